package dev.ferry.demo;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.h2.tools.Server;

/**
 * demo-db: an in-memory H2 database served by H2's TCP server on 127.0.0.1, with a small {@code
 * orders} table. Clients reach it through a forwarder as {@code
 * jdbc:h2:tcp://127.0.0.1:PORT/mem:demo} (user and password {@value #USER}).
 */
final class DatabaseTarget implements AutoCloseable {
  static final String DATABASE = "mem:demo";
  static final String USER = "demo";
  static final String PASSWORD = "demo";

  private final Server server;
  private final Connection keeper;

  private DatabaseTarget(Server server, Connection keeper) {
    this.server = server;
    this.keeper = keeper;
  }

  static DatabaseTarget start() throws SQLException {
    // H2 binds every interface unless told otherwise (read once, when H2 first loads).
    if (System.getProperty("h2.bindAddress") == null) {
      System.setProperty("h2.bindAddress", "127.0.0.1");
    }
    // The database lives as long as this connection (and the TCP server) does.
    Connection keeper =
        DriverManager.getConnection("jdbc:h2:" + DATABASE + ";DB_CLOSE_DELAY=-1", USER, PASSWORD);
    try (Statement st = keeper.createStatement()) {
      st.execute(
          "CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR(40), item VARCHAR(60),"
              + " amount DECIMAL(10,2))");
      st.execute(
          "INSERT INTO orders VALUES (1, 'Ada', 'Difference engine gears', 129.90),"
              + " (2, 'Grace', 'Compiler manual', 42.00), (3, 'Linus', 'Keyboard', 89.50)");
      // No -tcpAllowOthers: only loopback clients (the gateway) are served.
      Server server = Server.createTcpServer("-tcpPort", "0", "-tcpDaemon").start();
      return new DatabaseTarget(server, keeper);
    } catch (SQLException | RuntimeException e) {
      keeper.close();
      throw e;
    }
  }

  int port() {
    return server.getPort();
  }

  /** The JDBC URL through a forwarder listening on {@code localPort}. */
  static String jdbcUrl(String localPort) {
    return "jdbc:h2:tcp://127.0.0.1:" + localPort + "/" + DATABASE;
  }

  @Override
  public void close() {
    server.stop();
    try (Statement st = keeper.createStatement()) {
      st.execute("SHUTDOWN");
    } catch (SQLException e) {
      // already gone
    }
    try {
      keeper.close();
    } catch (SQLException e) {
      // already closed by SHUTDOWN
    }
  }
}
