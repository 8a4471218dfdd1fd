package dev.ferry.desktop;

import dev.ferry.desktop.app.FerryApp;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javafx.application.Application;

/** Starts the desktop app (what {@code ferry} and {@code ferry desktop} run). */
public final class DesktopMain {
  /** Named parameters ({@code --name=value}) the app takes: the CLI's client options. */
  public static final String GATEWAY = "gateway";

  public static final String TOKEN_FILE = "token-file";
  public static final String TOKEN_COMMAND = "token-command";

  private DesktopMain() {}

  /**
   * Why the app cannot show a window here, or null when it can try: on Linux and other X11/Wayland
   * systems without DISPLAY or WAYLAND_DISPLAY, JavaFX would fail with a stack trace.
   */
  public static String cannotShowWindow(String osName, Map<String, String> env) {
    String os = osName.toLowerCase(Locale.ROOT);
    if (os.contains("win") || os.contains("mac")) {
      return null;
    }
    if ("Monocle".equals(System.getProperty("glass.platform"))) {
      return null;
    }
    boolean display =
        !env.getOrDefault("DISPLAY", "").isBlank()
            || !env.getOrDefault("WAYLAND_DISPLAY", "").isBlank();
    return display
        ? null
        : "no display: the desktop app needs a graphical session (DISPLAY or WAYLAND_DISPLAY is"
            + " unset); the command-line tools work without one, see ferry --help";
  }

  /** Opens the window and returns when the user quits. */
  public static void launch(String... args) {
    // The OS proxy settings, for when no HTTPS_PROXY is set (ProxySettings.withSystemFallback);
    // read once by the JDK, so before anything asks for the default ProxySelector.
    if (System.getProperty("java.net.useSystemProxies") == null) {
      System.setProperty("java.net.useSystemProxies", "true");
    }
    Application.launch(FerryApp.class, args);
  }

  /**
   * Opens the window with the CLI's client options (each may be null) and returns when the user
   * quits.
   */
  public static void launch(String gateway, Path tokenFile, String tokenCommand) {
    List<String> args = new ArrayList<>();
    if (gateway != null) {
      args.add("--" + GATEWAY + "=" + gateway);
    }
    if (tokenFile != null) {
      args.add("--" + TOKEN_FILE + "=" + tokenFile.toAbsolutePath());
    }
    if (tokenCommand != null) {
      args.add("--" + TOKEN_COMMAND + "=" + tokenCommand);
    }
    launch(args.toArray(String[]::new));
  }
}
