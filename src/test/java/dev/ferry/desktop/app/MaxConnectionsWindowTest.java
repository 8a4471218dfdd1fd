package dev.ferry.desktop.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testkit.GatewayFixture;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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

/**
 * The real window, headless on Monocle: "Max connections per forwarder" typed in the Settings tab
 * (a bad value named, a good one saved), then a forwarder's card showing the connection it turned
 * away.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MaxConnectionsWindowTest {
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

  private void type(TextField field, String text) throws Exception {
    robot.interact(
        () -> {
          field.requestFocus();
          field.clear();
        });
    robot.write(text);
    window.waitFor(() -> field.getText().equals(text));
  }

  @Test
  @DisplayName("the preference in Settings, then a card that shows the connection turned away")
  void preferenceAndCard() throws Exception {
    TabPane tabs = robot.lookup("#mainTabs").queryAs(TabPane.class);
    robot.interact(() -> tabs.getSelectionModel().select(2));
    window.waitFor(() -> tabs.getSelectionModel().getSelectedItem().getText().equals("Settings"));
    TextField max = robot.lookup("#maxConnections").queryAs(TextField.class);
    window.waitFor(max::isVisible);
    assertThat(max.getText()).isEqualTo("0");
    Label problem = robot.lookup("#maxConnectionsProblem").queryAs(Label.class);
    assertThat(problem.isVisible()).isFalse();
    type(max, "many");
    window.waitFor(problem::isVisible);
    assertThat(problem.getText()).isEqualTo("Enter a whole number from 0 (no limit) to 10000.");
    assertThat(window.store.load().maxConnections()).isZero();
    type(max, "1");
    window.waitFor(() -> !problem.isVisible());
    window.waitFor(() -> window.store.load().maxConnections() == 1);

    robot.interact(() -> tabs.getSelectionModel().select(0));
    robot.clickOn("#gatewayUrl").write(window.world.gateway.url());
    robot.clickOn("#addGateway");
    ListView<?> gateways = robot.lookup("#gatewayList").queryListView();
    window.waitFor(() -> gateways.getItems().size() == 1);
    window.world.nextSignInIsAlice();
    window.clickSignIn();
    window.waitFor(
        () ->
            window.exists("#signedInUser")
                && window.text("#signedInUser").equals(GatewayFixture.ALICE));
    ListView<?> proxies = robot.lookup("#proxyList").queryListView();
    window.waitFor(() -> proxies.getItems().size() == 2);
    robot.clickOn("#search").write("ech");
    window.waitFor(() -> proxies.getItems().size() == 1);
    robot.clickOn("#connect-echo");
    window.waitFor(() -> window.exists("#address-echo"));
    int port = Integer.parseInt(window.text("#address-echo").replace("127.0.0.1:", ""));
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
      window.waitFor(limited::isVisible);
      assertThat(limited.getText()).isEqualTo("1 connection turned away by the limit of 1 at once");
      window.waitFor(
          () -> window.text("#refusal-echo").endsWith("closed: limit of 1 connections reached"));
      assertThat(window.text("#active-echo")).isEqualTo("1");
    }
  }
}
