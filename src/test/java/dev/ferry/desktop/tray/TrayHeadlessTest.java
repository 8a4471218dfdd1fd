package dev.ferry.desktop.tray;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.desktop.app.DesktopContext;
import dev.ferry.desktop.app.FerryApp;
import dev.ferry.desktop.settings.Settings;
import dev.ferry.desktop.settings.SettingsStore;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javafx.scene.Node;
import javafx.scene.control.CheckMenuItem;
import javafx.scene.control.MenuButton;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

/** Headless (Monocle, java.awt.headless): no tray, so the window says so once and works on. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TrayHeadlessTest {
  @TempDir Path dir;
  private final FxRobot robot = new FxRobot();
  private FerryApp app;

  @AfterEach
  void stop() throws Exception {
    FxToolkit.cleanupApplication(app);
    FxToolkit.cleanupStages();
  }

  @Test
  @DisplayName("no tray: a dismissable notice, the close-to-tray setting disabled, the app works")
  void noTray() throws Exception {
    assertThat(TrayController.unsupported()).startsWith("headless");
    DesktopContext context =
        new DesktopContext(
            new SettingsStore(dir),
            url -> {
              throw new IllegalStateException("no gateway in this test");
            },
            uri -> {},
            false,
            false,
            List.<String>of());
    FxToolkit.registerPrimaryStage();
    app = (FerryApp) FxToolkit.setupApplication(() -> new FerryApp(context));

    WaitForAsyncUtils.waitFor(20, TimeUnit.SECONDS, () -> visible("#noTrayNotice"));
    assertThat(app.viewModel().tray().keepsRunningOnClose()).isFalse();
    MenuButton menu = robot.lookup("#appMenu").queryAs(MenuButton.class);
    CheckMenuItem keep = (CheckMenuItem) menu.getItems().get(0);
    assertThat(keep.isDisable()).isTrue();
    assertThat(robot.lookup("#emptyMessage").tryQuery()).isPresent(); // the window works on

    robot.clickOn("#dismissTrayNotice");
    WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> !visible("#noTrayNotice"));
    WaitForAsyncUtils.waitFor(
        10,
        TimeUnit.SECONDS,
        () -> new SettingsStore(dir).load().dismissed().contains(Settings.NOTICE_NO_TRAY));
  }

  private boolean visible(String query) {
    return robot.lookup(query).tryQuery().map(Node::isVisible).orElse(false);
  }
}
