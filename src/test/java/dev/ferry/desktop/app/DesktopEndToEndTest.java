package dev.ferry.desktop.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.client.history.SessionRecord;
import dev.ferry.testkit.GatewayFixture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;

/**
 * The real window, headless on Monocle, against a real gateway, OIDC provider and echo target: the
 * user's path from pasting a URL to bytes through a local port, and a refusal with its reason.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DesktopEndToEndTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();

  @TempDir Path dir;
  private final FxRobot robot = new FxRobot();
  private WindowHarness window;

  @BeforeEach
  void start() throws Exception {
    window = new WindowHarness(fx, dir);
  }

  @AfterEach
  void stop() throws Exception {
    window.close();
  }

  @Test
  @DisplayName("add gateway, sign in, search, connect, bytes move the stats, disconnect, refusal")
  void userJourney() throws Exception {
    robot.clickOn("#gatewayUrl").write(window.world.gateway.url());
    robot.clickOn("#addGateway");
    window.waitFor(
        () ->
            robot.lookup("#gatewayList").queryListView().getItems().size() == 1
                && robot
                    .lookup("#gatewayList")
                    .queryListView()
                    .getItems()
                    .get(0)
                    .toString()
                    .equals("test-gateway"));
    window.waitFor(() -> window.text("#emptyMessage").equals("Sign in to see your proxies."));

    window.world.nextSignInIsAlice();
    window.clickSignIn();
    window.waitFor(
        () ->
            window.text("#signedInUser").equals(GatewayFixture.ALICE)
                && window.text("#signedInGroups").equals("groups: dba")
                && window.text("#tokenExpiry").startsWith("token expires in"));
    ListView<?> proxies = robot.lookup("#proxyList").queryListView();
    window.waitFor(() -> proxies.getItems().size() == 2);

    robot.clickOn("#search").write("ech");
    window.waitFor(() -> proxies.getItems().size() == 1);
    robot.clickOn("#connect-echo");
    window.waitFor(() -> window.exists("#address-echo"));
    int port = Integer.parseInt(window.text("#address-echo").replace("127.0.0.1:", ""));

    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(10_000);
      s.getOutputStream().write(new byte[1000]);
      assertThat(s.getInputStream().readNBytes(1000)).hasSize(1000);
      window.waitFor(
          () ->
              window.text("#bytesUp-echo").equals("1000 B")
                  && window.text("#bytesDown-echo").equals("1000 B")
                  && window.text("#active-echo").equals("1")
                  && robot.lookup("#connections-echo").queryTableView().getItems().size() == 1);
    }
    window.waitFor(() -> window.text("#active-echo").equals("0"));

    robot.clickOn("#disconnect-echo");
    window.waitFor(() -> !window.exists("#forwarder-echo"));
    assertThat(refused(port)).isTrue();

    // History: the session with its bytes, and the search filters it.
    TabPane tabs = robot.lookup("#mainTabs").queryAs(TabPane.class);
    robot.interact(() -> tabs.getSelectionModel().select(1));
    window.waitFor(() -> tabs.getSelectionModel().getSelectedItem().getText().equals("History"));
    TableView<SessionRecord> history = robot.lookup("#historyTable").queryTableView();
    window.waitFor(() -> history.isVisible() && history.getItems().size() == 1);
    SessionRecord row = history.getItems().get(0);
    assertThat(row.proxy()).isEqualTo("echo");
    assertThat(row.localPort()).isEqualTo(port);
    assertThat(row.bytesUp()).isEqualTo(1000);
    assertThat(row.bytesDown()).isEqualTo(1000);
    assertThat(row.outcome().label()).isEqualTo("ok");
    window.waitFor(() -> robot.lookup("1000 B").tryQuery().isPresent());
    TextField historySearch = robot.lookup("#historySearch").queryAs(TextField.class);
    robot.interact(historySearch::requestFocus);
    robot.write("nothing");
    window.waitFor(() -> history.getItems().isEmpty());
    robot.interact(historySearch::clear);
    robot.write("ech");
    window.waitFor(() -> history.getItems().size() == 1);
    assertThat(window.app.viewModel().history().searchProperty().get()).isEqualTo("ech");
    robot.interact(() -> tabs.getSelectionModel().select(0));
    window.waitFor(() -> tabs.getSelectionModel().getSelectedItem().getText().equals("Connect"));

    robot.doubleClickOn("#search").eraseText(3).write("down");
    window.waitFor(() -> proxies.getItems().size() == 1);
    robot.clickOn("#connect-down");
    window.waitFor(() -> window.exists("#address-down"));
    int downPort = Integer.parseInt(window.text("#address-down").replace("127.0.0.1:", ""));
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", downPort), 5000);
      s.setSoTimeout(10_000);
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
    window.waitFor(
        () ->
            window.exists("#refusal-down")
                && window.text("#refusal-down").contains("upstream down"));
    Label refusal = robot.lookup("#refusal-down").queryAs(Label.class);
    window.waitFor(refusal::isVisible);
  }

  private static boolean refused(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      return false;
    } catch (IOException e) {
      return true;
    }
  }
}
