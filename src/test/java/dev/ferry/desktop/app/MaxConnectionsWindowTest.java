package dev.ferry.desktop.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.desktop.DesktopWorld;
import dev.ferry.desktop.PlayedBrowser;
import dev.ferry.desktop.settings.SettingsStore;
import dev.ferry.testkit.GatewayFixture;
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
 * The real window, headless on Monocle: "Max connections per forwarder" typed in the Settings tab
 * (a bad value named, a good one saved), then a forwarder's card showing the connection it turned
 * away.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MaxConnectionsWindowTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  private static final long WAIT_S = 20;

  @TempDir Path dir;
  private final PlayedBrowser browser = new PlayedBrowser();
  private final FxRobot robot = new FxRobot();
  private DesktopWorld world;
  private SettingsStore store;
  private FerryApp app;

  @BeforeEach
  void start() throws Exception {
    world = new DesktopWorld(fx);
    store = new SettingsStore(dir);
    DesktopContext context =
        new DesktopContext(store, world.services(dir), browser, false, false, List.of());
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

  private void type(TextField field, String text) throws Exception {
    robot.interact(
        () -> {
          field.requestFocus();
          field.clear();
        });
    robot.write(text);
    waitFor(() -> field.getText().equals(text));
  }

  @Test
  @DisplayName("the preference in Settings, then a card that shows the connection turned away")
  void preferenceAndCard() throws Exception {
    TabPane tabs = robot.lookup("#mainTabs").queryAs(TabPane.class);
    robot.interact(() -> tabs.getSelectionModel().select(2));
    waitFor(() -> tabs.getSelectionModel().getSelectedItem().getText().equals("Settings"));
    TextField max = robot.lookup("#maxConnections").queryAs(TextField.class);
    waitFor(max::isVisible);
    assertThat(max.getText()).isEqualTo("0");
    Label problem = robot.lookup("#maxConnectionsProblem").queryAs(Label.class);
    assertThat(problem.isVisible()).isFalse();
    type(max, "many");
    waitFor(problem::isVisible);
    assertThat(problem.getText()).isEqualTo("Enter a whole number from 0 (no limit) to 10000.");
    assertThat(store.load().maxConnections()).isZero();
    type(max, "1");
    waitFor(() -> !problem.isVisible());
    waitFor(() -> store.load().maxConnections() == 1);

    robot.interact(() -> tabs.getSelectionModel().select(0));
    robot.clickOn("#gatewayUrl").write(world.gateway.url());
    robot.clickOn("#addGateway");
    ListView<?> gateways = robot.lookup("#gatewayList").queryListView();
    waitFor(() -> gateways.getItems().size() == 1);
    world.nextSignInIsAlice();
    robot.clickOn("#signIn");
    waitFor(() -> exists("#signedInUser") && text("#signedInUser").equals(GatewayFixture.ALICE));
    ListView<?> proxies = robot.lookup("#proxyList").queryListView();
    waitFor(() -> proxies.getItems().size() == 2);
    robot.clickOn("#search").write("ech");
    waitFor(() -> proxies.getItems().size() == 1);
    robot.clickOn("#connect-echo");
    waitFor(() -> exists("#address-echo"));
    int port = Integer.parseInt(text("#address-echo").replace("127.0.0.1:", ""));
    Label limited = robot.lookup("#limited-echo").queryAs(Label.class);
    assertThat(limited.isVisible()).isFalse();

    try (Socket first = new Socket()) {
      first.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      first.setSoTimeout(10_000);
      first.getOutputStream().write(new byte[100]);
      assertThat(first.getInputStream().readNBytes(100)).hasSize(100);
      try (Socket second = new Socket()) {
        second.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        second.setSoTimeout(10_000);
        assertThat(second.getInputStream().read()).isEqualTo(-1);
      }
      waitFor(limited::isVisible);
      assertThat(limited.getText()).isEqualTo("1 connection turned away by the limit of 1 at once");
      waitFor(() -> text("#refusal-echo").endsWith("closed: limit of 1 connections reached"));
      assertThat(text("#active-echo")).isEqualTo("1");
    }
  }
}
