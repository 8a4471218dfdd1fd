package dev.ferry.desktop.forwarders;

import java.util.Locale;

/** What to paste into a client for a forwarder on 127.0.0.1:PORT, per proxy kind. */
public final class ConnectionStrings {
  private ConnectionStrings() {}

  public static String address(int port) {
    return "127.0.0.1:" + port;
  }

  /**
   * A command line or URI a user pastes: {@code postgresql://127.0.0.1:PORT/}, {@code ssh -p PORT
   * user@127.0.0.1}, {@code redis-cli -p PORT}, … and the bare address for plain TCP.
   */
  public static String connectionString(String kind, int port, String localUser) {
    return switch (normal(kind)) {
      case "postgres" -> "postgresql://127.0.0.1:" + port + "/";
      case "mysql" -> "mysql -h 127.0.0.1 -P " + port;
      case "ssh" -> "ssh -p " + port + " " + localUser + "@127.0.0.1";
      case "redis" -> "redis-cli -p " + port;
      case "http" -> "http://127.0.0.1:" + port + "/";
      case "rdp" -> "mstsc /v:127.0.0.1:" + port;
      default -> address(port);
    };
  }

  /** A JDBC URL for database kinds (DBeaver, IntelliJ), else null. */
  public static String jdbcUrl(String kind, int port) {
    return switch (normal(kind)) {
      case "postgres" -> "jdbc:postgresql://127.0.0.1:" + port + "/";
      case "mysql" -> "jdbc:mysql://127.0.0.1:" + port + "/";
      default -> null;
    };
  }

  private static String normal(String kind) {
    return kind == null ? "tcp" : kind.toLowerCase(Locale.ROOT);
  }
}
