package dev.ferry.cli;

import static dev.ferry.testkit.GatewayFixture.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.testkit.CliProcess;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.PostgresTarget;
import dev.ferry.testkit.Streams;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry connect pg --port 0} in front of a real PostgreSQL, driven by the real JDBC driver:
 * about 5 MB written and read back over three tunnels at once, then SIGINT, exit 0, and one audited
 * session (start and end, bytes both ways) per tunnel.
 */
@Timeout(180)
class ConnectPostgresTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  static final Pattern FORWARDING = Pattern.compile("^forwarding 127\\.0\\.0\\.1:(\\d+) -> pg$");
  static final int WORKERS = 3;
  static final int ROWS_PER_WORKER = 1000;
  static final int ROW_BYTES = 1750; // 3 x 1000 x 1750 B = 5.25 MB

  static PostgresTarget pg;
  @TempDir Path home;

  @BeforeAll
  static void startPostgres() throws Exception {
    pg = PostgresTarget.start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (pg != null) {
      pg.close();
    }
  }

  /** Deterministic printable rows for one worker. */
  static String row(int worker, int i) {
    Random r = new Random(worker * 1_000_003L + i);
    byte[] b = new byte[ROW_BYTES];
    for (int k = 0; k < b.length; k++) {
      b[k] = (byte) ('a' + r.nextInt(26));
    }
    return new String(b, StandardCharsets.US_ASCII);
  }

  /** Inserts this worker's rows in batches, then reads them back and returns their digest. */
  static String insertAndReadBack(int port, int worker) throws Exception {
    MessageDigest sent = Streams.sha256();
    MessageDigest read = Streams.sha256();
    try (Connection c = pg.connect(port)) {
      c.setAutoCommit(false);
      try (PreparedStatement insert =
          c.prepareStatement("insert into payload (worker, n, body) values (?, ?, ?)")) {
        for (int i = 0; i < ROWS_PER_WORKER; i++) {
          String body = row(worker, i);
          sent.update(body.getBytes(StandardCharsets.US_ASCII));
          insert.setInt(1, worker);
          insert.setInt(2, i);
          insert.setString(3, body);
          insert.addBatch();
          if (i % 200 == 199) {
            insert.executeBatch();
          }
        }
        insert.executeBatch();
      }
      c.commit();
      try (PreparedStatement select =
          c.prepareStatement("select body from payload where worker = ? order by n")) {
        select.setInt(1, worker);
        select.setFetchSize(200);
        try (ResultSet rs = select.executeQuery()) {
          int rows = 0;
          while (rs.next()) {
            read.update(rs.getString(1).getBytes(StandardCharsets.US_ASCII));
            rows++;
          }
          assertThat(rows).isEqualTo(ROWS_PER_WORKER);
        }
      }
      c.commit();
    }
    String expected = HexFormat.of().formatHex(sent.digest());
    assertThat(HexFormat.of().formatHex(read.digest())).isEqualTo(expected);
    return expected;
  }

  @Test
  void jdbcThroughConnectInParallelThenSigint() throws Exception {
    GatewayFixture.Running gw =
        fx.gateway().proxy("pg", pg.address(), GatewayFixture.relaxed()).start();
    String token = fx.token(BOB, "dba"); // allowed through the group, not by name
    try (CliProcess fwd =
        CliProcess.start(
            CliEnv.withToken(home, token), "connect", "pg", "--port", "0", "--gateway", gw.url())) {
      int port = Integer.parseInt(fwd.awaitLine(FORWARDING, Duration.ofSeconds(60)).group(1));

      try (Connection setup = pg.connect(port);
          Statement st = setup.createStatement()) {
        st.execute(
            "create table payload (worker int not null, n int not null, body text not null,"
                + " primary key (worker, n))");
      }

      ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
      try {
        List<CompletableFuture<String>> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
          int worker = w;
          workers.add(
              CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      return insertAndReadBack(port, worker);
                    } catch (Exception e) {
                      throw new IllegalStateException("worker " + worker + ": " + e, e);
                    }
                  },
                  pool));
        }
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new))
            .get(150, TimeUnit.SECONDS);
      } finally {
        pool.shutdownNow();
      }

      try (Connection check = pg.connect(port);
          Statement st = check.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "select count(*), sum(length(body)), count(distinct worker) from payload")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo((long) WORKERS * ROWS_PER_WORKER);
        assertThat(rs.getLong(2)).isEqualTo((long) WORKERS * ROWS_PER_WORKER * ROW_BYTES);
        assertThat(rs.getInt(3)).isEqualTo(WORKERS);
      }

      fwd.signal("INT");
      assertThat(fwd.waitFor(Duration.ofSeconds(20))).as(fwd.describe()).isZero();
    }

    int tunnels = 1 + WORKERS + 1; // setup, the workers, the check
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(gw.audit("session.end")).hasSize(tunnels));
    List<JsonNode> starts = gw.audit("session.start");
    List<JsonNode> ends = gw.audit("session.end");
    assertThat(starts).hasSize(tunnels);
    assertThat(gw.audit("session.denied")).isEmpty();
    assertThat(ends.stream().map(e -> e.path("sessionId").asText()))
        .containsExactlyInAnyOrderElementsOf(
            starts.stream().map(s -> s.path("sessionId").asText()).toList());
    for (JsonNode end : ends) {
      assertThat(end.path("user").asText()).isEqualTo(BOB);
      assertThat(end.path("proxy").asText()).isEqualTo("pg");
      assertThat(end.path("bytesUp").asLong()).isPositive();
      assertThat(end.path("bytesDown").asLong()).isPositive();
    }
    // The workers' tunnels carried their megabytes each way.
    assertThat(ends.stream().filter(e -> e.path("bytesUp").asLong() > ROWS_PER_WORKER * ROW_BYTES))
        .hasSize(WORKERS);
    assertThat(
            ends.stream().filter(e -> e.path("bytesDown").asLong() > ROWS_PER_WORKER * ROW_BYTES))
        .hasSize(WORKERS);
    assertThat(gw.auditLines()).noneMatch(l -> l.contains(token));
  }
}
