package dev.ferry.client.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(60)
class HistoryStoreTest {
  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  @TempDir Path dir;

  static <T> T get(CompletableFuture<T> f) throws Exception {
    return f.get(20, TimeUnit.SECONDS);
  }

  static SessionRecord session(String proxy, Instant start, long up, long down, String reason) {
    return new SessionRecord(
        0,
        "https://gw.example",
        "prod",
        proxy,
        5432,
        40001,
        start,
        start.plusSeconds(90),
        up,
        down,
        Outcome.ofCloseReason(reason),
        reason,
        0);
  }

  @Test
  @DisplayName("survives a restart: write, close, reopen, read; schema version and WAL are set")
  void survivesRestart() throws Exception {
    SessionRecord a = session("orders-db", NOW.minusSeconds(600), 1000, 2000, "completed");
    SessionRecord b = session("bastion", NOW.minusSeconds(300).plusNanos(1234567), 7, 9, "x");
    try (HistoryStore store = new HistoryStore(dir, 90, CLOCK)) {
      assertThat(get(store.opened()))
          .isEqualTo(new HistoryStore.Status(dir.resolve("history.db"), ""));
      SessionRecord saved = get(store.add(a));
      assertThat(saved.id()).isPositive();
      get(store.add(b));
    }
    try (HistoryStore store = new HistoryStore(dir, 90, CLOCK)) {
      assertThat(get(store.opened()).ok()).isTrue();
      List<SessionRecord> rows = get(store.recent(100));
      assertThat(rows).extracting(SessionRecord::proxy).containsExactly("bastion", "orders-db");
      assertThat(rows.get(1)).isEqualTo(a.withId(rows.get(1).id()));
      assertThat(rows.get(0).start()).isEqualTo(NOW.minusSeconds(300).plusMillis(1));
      assertThat(rows.get(0).outcome()).isEqualTo(Outcome.ERROR);
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("history.db"));
        Statement st = c.createStatement()) {
      assertThat(single(st, "PRAGMA user_version"))
          .isEqualTo(String.valueOf(HistoryStore.SCHEMA_VERSION));
      assertThat(single(st, "PRAGMA journal_mode")).isEqualTo("wal");
    }
  }

  private static String single(Statement st, String sql) throws Exception {
    try (ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  @DisplayName("retention: old sessions go on start and when the setting changes; 0 keeps all")
  void retention() throws Exception {
    try (HistoryStore store = new HistoryStore(dir, 0, CLOCK)) {
      get(store.add(session("old", NOW.minus(Duration.ofDays(40)), 1, 1, "completed")));
      get(store.add(session("older", NOW.minus(Duration.ofDays(400)), 1, 1, "completed")));
      get(store.add(session("new", NOW.minus(Duration.ofDays(1)), 1, 1, "completed")));
      assertThat(get(store.recent(10))).hasSize(3);
    }
    try (HistoryStore store = new HistoryStore(dir, 365, CLOCK)) {
      assertThat(get(store.recent(10)))
          .extracting(SessionRecord::proxy)
          .containsExactly("new", "old");
      assertThat(get(store.retention(30))).isEqualTo(1);
      assertThat(get(store.recent(10))).extracting(SessionRecord::proxy).containsExactly("new");
    }
  }

  @Nested
  @DisplayName("a damaged or locked file never stops the app")
  class Damaged {
    @Test
    @DisplayName("garbage bytes: the file is renamed aside with a timestamp, a fresh one works")
    void garbage() throws Exception {
      byte[] junk = new byte[8192];
      new Random(7).nextBytes(junk);
      Files.write(dir.resolve("history.db"), junk);
      try (HistoryStore store = new HistoryStore(dir, 90, CLOCK)) {
        HistoryStore.Status status = get(store.opened());
        assertThat(status.file()).isEqualTo(dir.resolve("history.db"));
        assertThat(status.notice())
            .contains("damaged")
            .contains("history.db.corrupt-20260301-120000");
        assertThat(Files.readAllBytes(dir.resolve("history.db.corrupt-20260301-120000")))
            .isEqualTo(junk);
        get(store.add(session("p", NOW, 1, 2, "completed")));
        assertThat(get(store.recent(10))).hasSize(1);
      }
    }

    @Test
    @DisplayName("a real history with its pages overwritten is detected as damaged too")
    void overwrittenPages() throws Exception {
      try (HistoryStore store = new HistoryStore(dir, 90, CLOCK)) {
        for (int i = 0; i < 200; i++) {
          get(store.add(session("p" + i, NOW, i, i, "completed reason " + "x".repeat(100))));
        }
      }
      Path db = dir.resolve("history.db");
      byte[] bytes = Files.readAllBytes(db);
      assertThat(bytes.length).isGreaterThan(3 * 4096);
      for (int i = 4096; i < bytes.length; i++) {
        bytes[i] = (byte) (i * 31);
      }
      Files.write(db, bytes);
      try (HistoryStore store = new HistoryStore(dir, 90, CLOCK)) {
        assertThat(get(store.opened()).notice()).contains("damaged");
        assertThat(get(store.recent(10))).isEmpty();
      }
      try (Stream<Path> files = Files.list(dir)) {
        assertThat(files.map(p -> p.getFileName().toString()))
            .contains("history.db", "history.db.corrupt-20260301-120000");
      }
    }

    @Test
    @DisplayName("locked by another program: left alone, this run writes to a fresh file beside it")
    void locked() throws Exception {
      Path db = dir.resolve("history.db");
      try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + db);
          Statement st = other.createStatement()) {
        st.execute("CREATE TABLE mine (x INTEGER)");
        st.execute("BEGIN EXCLUSIVE");
        st.execute("INSERT INTO mine VALUES (1)");
        try (HistoryStore store = new HistoryStore(dir, 90, CLOCK, Duration.ofMillis(200))) {
          HistoryStore.Status status = get(store.opened());
          assertThat(status.notice()).contains("locked by another program");
          assertThat(status.file()).isEqualTo(dir.resolve("history-20260301-120000.db"));
          get(store.add(session("p", NOW, 1, 2, "completed")));
          assertThat(get(store.recent(10))).hasSize(1);
        }
        st.execute("COMMIT");
      }
      assertThat(db).exists();
    }

    @Test
    @DisplayName("a folder that cannot be created: history in memory, and the user is told")
    void noFolder() throws Exception {
      Path file = dir.resolve("a-file");
      Files.writeString(file, "not a folder");
      try (HistoryStore store = new HistoryStore(file.resolve("ferry"), 90, CLOCK)) {
        HistoryStore.Status status = get(store.opened());
        assertThat(status.file()).isNull();
        assertThat(status.notice()).contains("not kept after you quit");
        get(store.add(session("p", NOW, 1, 2, "completed")));
        assertThat(get(store.recent(10))).hasSize(1);
      }
    }
  }

  @Test
  @DisplayName("CSV: RFC 4180 quoting of commas, quotes and line breaks; CRLF rows")
  void csv() throws Exception {
    SessionRecord plain = session("db", NOW, 10, 20, "completed");
    SessionRecord nasty =
        session("we,ird", NOW, 1, 2, "closed: \"bye\", said the server\nthen\r\nnothing");
    StringWriter out = new StringWriter();
    HistoryCsv.write(List.of(plain, nasty), out);
    assertThat(out.toString())
        .isEqualTo(
            HistoryCsv.HEADER
                + "\r\n"
                + "2026-03-01T12:00:00Z,2026-03-01T12:01:30Z,90,https://gw.example,prod,db,5432,40001,10,20,ok,completed,0\r\n"
                + "2026-03-01T12:00:00Z,2026-03-01T12:01:30Z,90,https://gw.example,prod,\"we,ird\",5432,40001,1,2,error,"
                + "\"closed: \"\"bye\"\", said the server\nthen\r\nnothing\",0\r\n");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "completed, OK",
    "client-closed, OK",
    "'client-closed: Connection reset', OK",
    "'idle-timeout: idle for 300 s', OK",
    "gateway connection lost, ERROR",
    "'upstream-reset: gone', ERROR",
    "'protocol-error: bad frame', ERROR"
  })
  void outcomeOfReason(String reason, Outcome outcome) {
    assertThat(Outcome.ofCloseReason(reason)).isEqualTo(outcome);
  }

  @Test
  @DisplayName("data folder: XDG_DATA_HOME, ~/.local/share, LOCALAPPDATA, Application Support")
  void dataFolder() {
    assertThat(HistoryStore.defaultFolder("Linux", Map.of("XDG_DATA_HOME", "/x/data"), "/home/a"))
        .isEqualTo(Path.of("/x/data", "ferry"));
    assertThat(HistoryStore.defaultFolder("Linux", Map.of("XDG_DATA_HOME", "rel"), "/home/a"))
        .isEqualTo(Path.of("/home/a", ".local", "share", "ferry"));
    assertThat(HistoryStore.defaultFolder("Windows 11", Map.of("LOCALAPPDATA", "C:/L"), "C:/U"))
        .isEqualTo(Path.of("C:/L", "Ferry"));
    assertThat(HistoryStore.defaultFolder("Mac OS X", Map.of(), "/Users/a"))
        .isEqualTo(Path.of("/Users/a", "Library", "Application Support", "Ferry"));
  }

  @Test
  @DisplayName("a file of schema 1 (before resumes were counted) is migrated: old rows read 0")
  void resumesColumnAddedToAnOldFile() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("history.db"));
        Statement st = c.createStatement()) {
      st.execute(
          "CREATE TABLE session (id INTEGER PRIMARY KEY, gateway TEXT NOT NULL,"
              + " gateway_name TEXT NOT NULL, proxy TEXT NOT NULL, local_port INTEGER NOT NULL,"
              + " client_port INTEGER NOT NULL, started_at INTEGER NOT NULL,"
              + " ended_at INTEGER NOT NULL, bytes_up INTEGER NOT NULL,"
              + " bytes_down INTEGER NOT NULL, outcome TEXT NOT NULL"
              + " CHECK (outcome IN ('ok', 'refused', 'error')), reason TEXT NOT NULL)");
      st.execute(
          "INSERT INTO session (gateway, gateway_name, proxy, local_port, client_port,"
              + " started_at, ended_at, bytes_up, bytes_down, outcome, reason) VALUES"
              + " ('https://gw.example', 'prod', 'old-db', 5432, 40001, "
              + NOW.minusSeconds(600).toEpochMilli()
              + ", "
              + NOW.minusSeconds(500).toEpochMilli()
              + ", 1, 2, 'ok', 'completed')");
      st.execute("PRAGMA user_version = 1");
    }
    SessionRecord resumed = session("new-db", NOW.minusSeconds(60), 3, 4, "completed");
    resumed =
        new SessionRecord(
            0,
            resumed.gateway(),
            resumed.gatewayName(),
            resumed.proxy(),
            resumed.localPort(),
            resumed.clientPort(),
            resumed.start(),
            resumed.end(),
            resumed.bytesUp(),
            resumed.bytesDown(),
            resumed.outcome(),
            resumed.reason(),
            3);
    try (HistoryStore store = new HistoryStore(dir, 0, CLOCK)) {
      assertThat(get(store.opened()).ok()).isTrue();
      assertThat(get(store.add(resumed)).resumes()).isEqualTo(3);
      List<SessionRecord> rows = get(store.recent(10));
      assertThat(rows).extracting(SessionRecord::proxy).containsExactly("new-db", "old-db");
      assertThat(rows).extracting(SessionRecord::resumes).containsExactly(3, 0);
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("history.db"));
        Statement st = c.createStatement()) {
      assertThat(single(st, "PRAGMA user_version")).isEqualTo("2");
    }
  }
}
