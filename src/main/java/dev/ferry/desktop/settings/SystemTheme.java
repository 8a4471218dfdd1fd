package dev.ferry.desktop.settings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Best-effort answer to "does the user prefer dark?": GNOME's color-scheme or a dark GTK theme on
 * Linux, AppleInterfaceStyle on macOS, AppsUseLightTheme on Windows. Anything unclear means light.
 * Runs small commands: call it off the FX thread.
 */
public final class SystemTheme {
  private SystemTheme() {}

  public static boolean prefersDark() {
    return prefersDark(System.getProperty("os.name", ""), System.getenv(), SystemTheme::run);
  }

  /**
   * @param run runs a command and returns its stdout, or "" when it failed
   */
  static boolean prefersDark(
      String osName, Map<String, String> env, Function<List<String>, String> run) {
    String os = osName.toLowerCase(Locale.ROOT);
    if (os.contains("win")) {
      String out =
          run.apply(
              List.of(
                  "reg",
                  "query",
                  "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Themes\\Personalize",
                  "/v",
                  "AppsUseLightTheme"));
      return out.matches("(?s).*AppsUseLightTheme\\s+REG_DWORD\\s+0x0+\\b.*");
    }
    if (os.contains("mac")) {
      return run.apply(List.of("defaults", "read", "-g", "AppleInterfaceStyle"))
          .trim()
          .equalsIgnoreCase("dark");
    }
    String gtkTheme = env.getOrDefault("GTK_THEME", "").toLowerCase(Locale.ROOT);
    if (gtkTheme.contains("dark")) {
      return true;
    }
    String scheme =
        run.apply(List.of("gsettings", "get", "org.gnome.desktop.interface", "color-scheme"));
    if (scheme.contains("prefer-dark")) {
      return true;
    }
    return run.apply(List.of("gsettings", "get", "org.gnome.desktop.interface", "gtk-theme"))
        .toLowerCase(Locale.ROOT)
        .contains("dark");
  }

  private static String run(List<String> argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      // The answers are a line long: they fit the pipe, so waiting before reading cannot block.
      if (!p.waitFor(2, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "";
      }
      byte[] out = p.getInputStream().readNBytes(4096);
      return p.exitValue() == 0 ? new String(out, StandardCharsets.UTF_8) : "";
    } catch (IOException | RuntimeException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
