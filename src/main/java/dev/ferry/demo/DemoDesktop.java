package dev.ferry.demo;

import dev.ferry.client.auth.MemoryRefreshTokenStore;
import dev.ferry.client.auth.RefreshTokenStore;
import dev.ferry.desktop.app.DesktopContext;
import dev.ferry.desktop.app.FerryApp;
import dev.ferry.desktop.gateways.CoreGatewayService;
import dev.ferry.desktop.settings.Settings;
import dev.ferry.desktop.settings.SettingsStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import javafx.application.Platform;

/**
 * The desktop app as {@code ferry demo} opens it: pointed at the demo gateway, with settings in the
 * demo's temporary folder (the user's own settings file is neither read nor written), refresh
 * tokens in memory (the demo's sign-ins never reach the OS keychain), no LAN browsing and no "last
 * gateway" written to the CLI's state.
 */
public final class DemoDesktop {
  private DemoDesktop() {}

  /** The app's context for {@code world}, its settings already listing the demo gateway. */
  public static DesktopContext context(DemoWorld world) throws IOException {
    Path folder = world.folder().resolve("desktop");
    SettingsStore settings = new SettingsStore(folder);
    settings.save(Settings.DEFAULTS.withGateway(world.gatewayUrl()));
    RefreshTokenStore tokens = new MemoryRefreshTokenStore();
    Supplier<RefreshTokenStore> store = () -> tokens;
    return new DesktopContext(
        settings,
        url -> new CoreGatewayService(url, store, null, null),
        null,
        false,
        true,
        List.of(world.gatewayUrl()));
  }

  /** Opens the app on {@code world} and returns when the user quits it (or {@link #quit}). */
  public static void open(DemoWorld world) throws IOException {
    FerryApp.launch(context(world));
  }

  /** Closes the app's window from any thread (the demo is stopping); harmless when not open. */
  public static void quit() {
    try {
      Platform.exit();
    } catch (IllegalStateException e) {
      // the toolkit never started
    }
  }
}
