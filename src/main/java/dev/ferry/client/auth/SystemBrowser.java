package dev.ferry.client.auth;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * Best effort at showing a URL in the user's browser. It may well fail (SSH session, container, no
 * desktop): callers always print the URL too, so this only reports whether it tried. It uses the
 * OS's own opener rather than AWT so that the headless core never starts a GUI toolkit (the desktop
 * app opens pages through JavaFX's HostServices).
 */
public final class SystemBrowser {

  private SystemBrowser() {}

  /**
   * @return true when a browser was asked to open {@code uri}; false when none could be, never an
   *     exception
   */
  public static boolean tryOpen(URI uri) {
    try {
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        return false; // only web pages: never hand the OS an arbitrary file or scheme to open
      }
      return viaCommand(uri);
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  private static boolean viaCommand(URI uri) {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    // The URL is one argv element, never parsed by a shell, so it cannot inject a command.
    List<String> argv =
        os.contains("win")
            ? List.of("rundll32", "url.dll,FileProtocolHandler", uri.toString())
            : os.contains("mac")
                ? List.of("open", uri.toString())
                : List.of("xdg-open", uri.toString());
    try {
      new ProcessBuilder(argv)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
