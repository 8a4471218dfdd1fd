package dev.ferry.desktop.openwith;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What "Open with…" runs per proxy kind until the user changes it. Terminal clients (psql, ssh,
 * redis-cli, mysql) open in a terminal window: an app started from a desktop has none of its own.
 */
public final class OpenWithDefaults {
  /** The kinds the settings offer a command for, in the order shown. */
  public static final List<String> KINDS =
      List.of("postgres", "mysql", "ssh", "redis", "http", "rdp", "tcp");

  private OpenWithDefaults() {}

  /** The default command per kind on {@code osName}; kinds without a sensible one are absent. */
  public static Map<String, String> forOs(String osName) {
    String os = osName.toLowerCase(Locale.ROOT);
    if (os.contains("win")) {
      return Map.of(
          "postgres", "cmd /c start \"Ferry\" psql -h {host} -p {port} -U {user}",
          "mysql", "cmd /c start \"Ferry\" mysql -h {host} -P {port}",
          "ssh", "cmd /c start \"Ferry\" ssh -p {port} {user}@{host}",
          "redis", "cmd /c start \"Ferry\" redis-cli -h {host} -p {port}",
          "http", "rundll32 url.dll,FileProtocolHandler http://{host}:{port}/",
          "rdp", "mstsc /v:{host}:{port}");
    }
    if (os.contains("mac")) {
      return Map.of(
          "postgres", terminalMac("psql -h {host} -p {port} -U {user}"),
          "mysql", terminalMac("mysql -h {host} -P {port}"),
          "ssh", terminalMac("ssh -p {port} {user}@{host}"),
          "redis", terminalMac("redis-cli -h {host} -p {port}"),
          "http", "open http://{host}:{port}/");
    }
    return Map.of(
        "postgres", "x-terminal-emulator -e psql -h {host} -p {port} -U {user}",
        "mysql", "x-terminal-emulator -e mysql -h {host} -P {port}",
        "ssh", "x-terminal-emulator -e ssh -p {port} {user}@{host}",
        "redis", "x-terminal-emulator -e redis-cli -h {host} -p {port}",
        "http", "xdg-open http://{host}:{port}/",
        "rdp", "xfreerdp /v:{host}:{port}");
  }

  private static String terminalMac(String command) {
    return "osascript -e 'tell application \"Terminal\" to do script \"" + command + "\"'";
  }
}
