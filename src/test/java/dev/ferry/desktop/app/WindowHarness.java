package dev.ferry.desktop.app;

import dev.ferry.desktop.DesktopWorld;
import dev.ferry.desktop.PlayedBrowser;
import dev.ferry.desktop.settings.SettingsStore;
import dev.ferry.testkit.GatewayFixture;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.Labeled;
import org.testfx.api.FxRobot;
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The real window, headless on Monocle, against the real {@link DesktopWorld}: starts the
 * application with its settings in a given folder and a played browser, and reads it by node id.
 */
final class WindowHarness implements AutoCloseable {
  private static final long WAIT_S = 20;

  final DesktopWorld world;
  final SettingsStore store;
  final FerryApp app;
  private final PlayedBrowser browser = new PlayedBrowser();
  private final FxRobot robot = new FxRobot();

  WindowHarness(GatewayFixture fx, Path dir) throws Exception {
    world = new DesktopWorld(fx);
    store = new SettingsStore(dir);
    DesktopContext context =
        new DesktopContext(store, world.services(dir), browser, false, false, List.of());
    FxToolkit.registerPrimaryStage();
    app = (FerryApp) FxToolkit.setupApplication(() -> new FerryApp(context));
  }

  /** Waits (at most 20 s) until {@code condition} holds. */
  void waitFor(Callable<Boolean> condition) throws Exception {
    WaitForAsyncUtils.waitFor(WAIT_S, TimeUnit.SECONDS, condition);
  }

  /** The text of the labeled node {@code query} finds. */
  String text(String query) {
    return ((Labeled) robot.lookup(query).query()).getText();
  }

  /**
   * Clicks Sign in once it is enabled: adding a gateway first tries a silent sign-in, during which
   * the button is disabled and a click does nothing.
   */
  void clickSignIn() throws Exception {
    waitFor(() -> !robot.lookup("#signIn").query().isDisabled());
    robot.clickOn("#signIn");
  }

  boolean exists(String query) {
    return robot.lookup(query).tryQuery().isPresent();
  }

  @Override
  public void close() throws Exception {
    FxToolkit.cleanupApplication(app);
    FxToolkit.cleanupStages();
    browser.close();
  }
}
