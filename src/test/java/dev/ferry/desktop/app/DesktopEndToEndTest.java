package dev.ferry.desktop.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.client.history.SessionRecord;
import dev.ferry.desktop.DesktopWorld;
import dev.ferry.desktop.PlayedBrowser;
import dev.ferry.desktop.settings.SettingsStore;
import dev.ferry.testkit.GatewayFixture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javafx.scene.Node;
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
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The real window, headless on Monocle, against a real gateway, OIDC provider and echo target: the
 * user's path from pasting a URL to bytes through a local port, and a refusal with its reason.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DesktopEndToEndTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  private static final long WAIT_S = 20;

  @TempDir Path dir;
  private final PlayedBrowser browser = new PlayedBrowser();
  private final FxRobot robot = new FxRobot();
  private DesktopWorld world;
  private FerryApp app;

  @BeforeEach
  void start() throws Exception {
    world = new DesktopWorld(fx);
    DesktopContext context =
        new DesktopContext(
            new SettingsStore(dir), world.services(dir), browser, false, false, List.of());
    FxToolkit.registerPrimaryStage();
    app = (FerryApp) FxToolkit.setupApplication(() -> new FerryApp(context));
  }

  @AfterEach
  void stop() throws Exception {
    FxToolkit.cleanupApplication(app);
    FxToolkit.cleanupStages();
    browser.close();
  }

  private void waitFor(Callable<Boolean> condition) throws Exception {
    WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, condition);
  }

  private String text(String query) {
    Node n = robot.lookup(query).query();
    return ((javafx.scene.control.Labeled) n).getText();
  }

  private boolean exists(String query) {
    return robot.lookup(query).tryQuery().isPresent();
  }

  @Test
  @DisplayName("add gateway, sign in, search, connect, bytes move the stats, disconnect, refusal")
  void userJourney() throws Exception {
    robot.clickOn("#gatewayUrl").write(world.gateway.url());
    robot.clickOn("#addGateway");
    waitFor(
        () ->
            robot.lookup("#gatewayList").queryListView().getItems().size() == 1
                && robot
                    .lookup("#gatewayList")
                    .queryListView()
                    .getItems()
                    .get(0)
                    .toString()
                    .equals("test-gateway"));
    waitFor(() -> text("#emptyMessage").equals("Sign in to see your proxies."));

    world.nextSignInIsAlice();
    robot.clickOn("#signIn");
    waitFor(
        () ->
            text("#signedInUser").equals(GatewayFixture.ALICE)
                && text("#signedInGroups").equals("groups: dba")
                && text("#tokenExpiry").startsWith("token expires in"));
    ListView<?> proxies = robot.lookup("#proxyList").queryListView();
    waitFor(() -> proxies.getItems().size() == 2);

    robot.clickOn("#search").write("ech");
    waitFor(() -> proxies.getItems().size() == 1);
    robot.clickOn("#connect-echo");
    waitFor(() -> exists("#address-echo"));
    int port = Integer.parseInt(text("#address-echo").replace("127.0.0.1:", ""));

    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(10_000);
      s.getOutputStream().write(new byte[1000]);
      assertThat(s.getInputStream().readNBytes(1000)).hasSize(1000);
      waitFor(
          () ->
              text("#bytesUp-echo").equals("1000 B")
                  && text("#bytesDown-echo").equals("1000 B")
                  && text("#active-echo").equals("1")
                  && robot.lookup("#connections-echo").queryTableView().getItems().size() == 1);
    }
    waitFor(() -> text("#active-echo").equals("0"));

    robot.clickOn("#disconnect-echo");
    waitFor(() -> !exists("#forwarder-echo"));
    assertThat(refused(port)).isTrue();

    // History: the session with its bytes, and the search filters it.
    TabPane tabs = robot.lookup("#mainTabs").queryAs(TabPane.class);
    robot.interact(() -> tabs.getSelectionModel().select(1));
    waitFor(() -> tabs.getSelectionModel().getSelectedItem().getText().equals("History"));
    TableView<SessionRecord> history = robot.lookup("#historyTable").queryTableView();
    waitFor(() -> history.isVisible() && history.getItems().size() == 1);
    SessionRecord row = history.getItems().get(0);
    assertThat(row.proxy()).isEqualTo("echo");
    assertThat(row.localPort()).isEqualTo(port);
    assertThat(row.bytesUp()).isEqualTo(1000);
    assertThat(row.bytesDown()).isEqualTo(1000);
    assertThat(row.outcome().label()).isEqualTo("ok");
    waitFor(() -> robot.lookup("1000 B").tryQuery().isPresent());
    TextField historySearch = robot.lookup("#historySearch").queryAs(TextField.class);
    robot.interact(historySearch::requestFocus);
    robot.write("nothing");
    waitFor(() -> history.getItems().isEmpty());
    robot.interact(historySearch::clear);
    robot.write("ech");
    waitFor(() -> history.getItems().size() == 1);
    assertThat(app.viewModel().history().searchProperty().get()).isEqualTo("ech");
    robot.interact(() -> tabs.getSelectionModel().select(0));
    waitFor(() -> tabs.getSelectionModel().getSelectedItem().getText().equals("Connect"));

    robot.doubleClickOn("#search").eraseText(3).write("down");
    waitFor(() -> proxies.getItems().size() == 1);
    robot.clickOn("#connect-down");
    waitFor(() -> exists("#address-down"));
    int downPort = Integer.parseInt(text("#address-down").replace("127.0.0.1:", ""));
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", downPort), 5000);
      s.setSoTimeout(10_000);
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
    waitFor(() -> exists("#refusal-down") && text("#refusal-down").contains("upstream down"));
    Label refusal = robot.lookup("#refusal-down").queryAs(Label.class);
    waitFor(refusal::isVisible);
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
