package dev.ferry.client.history;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The connection history: every tunnel session as a row of {@value #FILE_NAME} (SQLite, WAL) in the
 * user's data folder. One writer thread owns the database: every method only queues work and
 * returns a future, so callers (a UI thread, a forwarder's event loop) never touch the disk.
 *
 * <p>The file never stops the app: a damaged one is renamed aside with a timestamp and a fresh one
 * started; one locked by another program is left alone and this run writes to a fresh file beside
 * it; a folder that cannot be written gives a history kept in memory. Each case is told once, in
 * words, through {@link Status#notice}. Sessions older than the retention are deleted on start and
 * once a day. Schema changes are numbered migrations recorded in {@code PRAGMA user_version}.
 */
public final class HistoryStore implements AutoCloseable {
  public static final String FILE_NAME = "history.db";
  public static final int DEFAULT_RETENTION_DAYS = 90;
  private static final Logger LOG = LoggerFactory.getLogger(HistoryStore.class);
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT).withZone(ZoneOffset.UTC);

  /** Migration n (0-based) takes the schema from version n to n+1. Only ever append. */
  private static final List<List<String>> MIGRATIONS =
      List.of(
          List.of(
              "CREATE TABLE session ("
                  + " id INTEGER PRIMARY KEY,"
                  + " gateway TEXT NOT NULL,"
                  + " gateway_name TEXT NOT NULL,"
                  + " proxy TEXT NOT NULL,"
                  + " local_port INTEGER NOT NULL,"
                  + " client_port INTEGER NOT NULL,"
                  + " started_at INTEGER NOT NULL,"
                  + " ended_at INTEGER NOT NULL,"
                  + " bytes_up INTEGER NOT NULL,"
                  + " bytes_down INTEGER NOT NULL,"
                  + " outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'error')),"
                  + " reason TEXT NOT NULL)",
              "CREATE INDEX session_started_at ON session (started_at)",
              "CREATE INDEX session_ended_at ON session (ended_at)"),
          // Older versions keep reading and writing such a file: they ignore the column and their
          // rows get the default.
          List.of("ALTER TABLE session ADD COLUMN resumes INTEGER NOT NULL DEFAULT 0"));

  /** The schema version this code writes. */
  public static final int SCHEMA_VERSION = MIGRATIONS.size();

  /**
   * How opening went.
   *
   * @param file the file in use; null when the history is kept in memory only
   * @param notice what the user should know (the file was damaged, locked, …); "" when all is well
   */
  public record Status(Path file, String notice) {
    public boolean ok() {
      return notice.isEmpty();
    }
  }

  private final Path folder;
  private final Clock clock;
  private final int busyTimeoutMillis;
  private final ScheduledExecutorService writer;
  private final CompletableFuture<Status> opened;
  private volatile int retentionDays;
  private volatile Consumer<String> onProblem = m -> {};
  private Connection db; // the writer thread's only
  private Path file; // the writer thread's only

  /**
   * Opens (on the writer thread) the history in {@code folder}, created if missing.
   *
   * @param folder the data folder; null keeps the history in memory (tests, no writable folder)
   * @param retentionDays sessions older than this are deleted; 0 or less keeps them forever
   */
  public HistoryStore(Path folder, int retentionDays, Clock clock) {
    this(folder, retentionDays, clock, Duration.ofSeconds(3));
  }

  /**
   * @param busyTimeout how long to wait for a lock another program holds before calling the file
   *     locked
   */
  HistoryStore(Path folder, int retentionDays, Clock clock, Duration busyTimeout) {
    this.folder = folder;
    this.clock = clock;
    this.retentionDays = retentionDays;
    this.busyTimeoutMillis = (int) busyTimeout.toMillis();
    this.writer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "ferry-history");
              t.setDaemon(true);
              return t;
            });
    this.opened = submit(this::openNow);
    writer.scheduleAtFixedRate(this::pruneQuietly, 1, 1, TimeUnit.DAYS);
  }

  /** The history in this user's data folder (see {@link #defaultFolder}). */
  public static HistoryStore forCurrentUser(int retentionDays) {
    return new HistoryStore(currentUserFolder(), retentionDays, Clock.systemUTC());
  }

  public static Path currentUserFolder() {
    return defaultFolder(
        System.getProperty("os.name", ""), System.getenv(), System.getProperty("user.home"));
  }

  /**
   * {@code %LOCALAPPDATA%\Ferry} on Windows, {@code ~/Library/Application Support/Ferry} on macOS,
   * else {@code $XDG_DATA_HOME/ferry} or {@code ~/.local/share/ferry}.
   */
  public static Path defaultFolder(String osName, Map<String, String> env, String home) {
    String os = osName.toLowerCase(Locale.ROOT);
    if (os.contains("win")) {
      String local = env.get("LOCALAPPDATA");
      return local != null && !local.isBlank()
          ? Path.of(local, "Ferry")
          : Path.of(home, "AppData", "Local", "Ferry");
    }
    if (os.contains("mac")) {
      return Path.of(home, "Library", "Application Support", "Ferry");
    }
    String xdg = env.get("XDG_DATA_HOME");
    // The XDG spec says to ignore a relative XDG_DATA_HOME.
    return xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
        ? Path.of(xdg, "ferry")
        : Path.of(home, ".local", "share", "ferry");
  }

  /** Completes once the history is open, telling which file it uses and what went wrong. */
  public CompletableFuture<Status> opened() {
    return opened;
  }

  /** Called (on the writer thread) with a one-line message when a write or read fails later. */
  public void onProblem(Consumer<String> handler) {
    this.onProblem = handler == null ? m -> {} : handler;
  }

  /** Stores {@code s}; the future gives it back with its id (times kept to the millisecond). */
  public CompletableFuture<SessionRecord> add(SessionRecord s) {
    return submit(() -> retryOnceIfDamaged(() -> insert(s)));
  }

  /** The newest {@code limit} sessions, newest first. */
  public CompletableFuture<List<SessionRecord>> recent(int limit) {
    return submit(() -> retryOnceIfDamaged(() -> select(limit)));
  }

  /** Changes the retention and deletes what falls outside it; gives the number deleted. */
  public CompletableFuture<Integer> retention(int days) {
    retentionDays = days;
    return prune();
  }

  public int retentionDays() {
    return retentionDays;
  }

  /** Deletes sessions that ended before the retention window; gives the number deleted. */
  public CompletableFuture<Integer> prune() {
    return submit(this::pruneNow);
  }

  private <T> CompletableFuture<T> submit(Callable<T> work) {
    CompletableFuture<T> f = new CompletableFuture<>();
    try {
      writer.execute(
          () -> {
            try {
              f.complete(work.call());
            } catch (Exception e) {
              f.completeExceptionally(e);
            }
          });
    } catch (RejectedExecutionException e) {
      f.completeExceptionally(new IllegalStateException("the history is closed"));
    }
    return f;
  }

  // ---- on the writer thread ----

  private Status openNow() {
    if (folder == null) {
      db = memory();
      file = null;
      pruneQuietly();
      return new Status(null, "");
    }
    Path target = folder.resolve(FILE_NAME);
    try {
      Files.createDirectories(folder);
    } catch (IOException e) {
      return inMemoryBecause(
          "History is off for this run: the folder "
              + folder
              + " cannot be created ("
              + e.getMessage()
              + "). Sessions are shown but not kept after you quit.");
    }
    String notice = "";
    try {
      db = openFile(target);
      file = target;
    } catch (SQLException e) {
      if (damaged(e)) {
        notice = renameAsideAndStartFresh(target, e);
      } else if (locked(e)) {
        Path side = unique(folder.resolve("history-" + STAMP.format(clock.instant()) + ".db"));
        try {
          db = openFile(side);
          file = side;
          notice =
              "The history file "
                  + target
                  + " is locked by another program (is Ferry running twice?). It was left as it"
                  + " is; this run's sessions go to "
                  + side
                  + ".";
        } catch (SQLException again) {
          return inMemoryBecause(lockedInMemory(target, again));
        }
      } else {
        return inMemoryBecause(
            "History could not be opened ("
                + e.getMessage()
                + "): sessions are shown but not kept after you quit.");
      }
      if (db == null) {
        return inMemoryBecause(notice);
      }
    }
    pruneQuietly();
    if (!notice.isEmpty()) {
      LOG.warn("{}", notice);
    }
    return new Status(file, notice);
  }

  private static String lockedInMemory(Path target, SQLException e) {
    return "The history file "
        + target
        + " is locked by another program and no new file could be started ("
        + e.getMessage()
        + "): sessions are shown but not kept after you quit.";
  }

  /** Moves the damaged file (and its WAL) aside and opens a fresh one; returns the notice. */
  private String renameAsideAndStartFresh(Path target, Exception why) {
    closeDb();
    Path aside =
        unique(target.resolveSibling(FILE_NAME + ".corrupt-" + STAMP.format(clock.instant())));
    try {
      Files.move(target, aside);
      for (String suffix : List.of("-wal", "-shm")) {
        Path extra = target.resolveSibling(FILE_NAME + suffix);
        if (Files.exists(extra)) {
          Files.move(extra, aside.resolveSibling(aside.getFileName() + suffix));
        }
      }
      db = openFile(target);
      file = target;
      LOG.warn("history {} was damaged ({}); moved to {}", target, why.getMessage(), aside);
      return "The history file was damaged and could not be read, so a new one was started. The"
          + " old file was kept as "
          + aside
          + ".";
    } catch (IOException | SQLException e) {
      db = null;
      return "The history file "
          + target
          + " is damaged and could not be replaced ("
          + e.getMessage()
          + "): sessions are shown but not kept after you quit.";
    }
  }

  private Status inMemoryBecause(String notice) {
    LOG.warn("{}", notice);
    closeDb();
    db = memory();
    file = null;
    return new Status(null, notice);
  }

  private Connection memory() {
    try {
      Connection c = DriverManager.getConnection("jdbc:sqlite::memory:");
      migrate(c);
      return c;
    } catch (SQLException e) {
      throw new IllegalStateException("SQLite does not work here: " + e.getMessage(), e);
    }
  }

  private Connection openFile(Path target) throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + target.toAbsolutePath());
    try {
      try (Statement st = c.createStatement()) {
        st.execute("PRAGMA busy_timeout = " + busyTimeoutMillis);
        // Reads the header and every page's structure: fails on a damaged file or not a database.
        try (ResultSet rs = st.executeQuery("PRAGMA quick_check")) {
          String answer = rs.next() ? rs.getString(1) : "no answer";
          if (!"ok".equalsIgnoreCase(answer)) {
            throw new SQLiteException("quick_check: " + answer, SQLiteErrorCode.SQLITE_CORRUPT);
          }
        }
        st.execute("PRAGMA journal_mode = WAL");
        st.execute("PRAGMA synchronous = NORMAL");
      }
      migrate(c);
      // Proves this process can write now, rather than on the first session.
      try (Statement st = c.createStatement()) {
        st.execute("BEGIN IMMEDIATE");
        st.execute("COMMIT");
      }
      return c;
    } catch (SQLException | RuntimeException e) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // already failing
      }
      throw e;
    }
  }

  private static void migrate(Connection c) throws SQLException {
    int version;
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("PRAGMA user_version")) {
      version = rs.next() ? rs.getInt(1) : 0;
    }
    if (version > SCHEMA_VERSION) {
      LOG.info(
          "history schema {} is newer than this version's {}: reading what it understands",
          version,
          SCHEMA_VERSION);
      return;
    }
    for (int v = version; v < SCHEMA_VERSION; v++) {
      c.setAutoCommit(false);
      try (Statement st = c.createStatement()) {
        for (String sql : MIGRATIONS.get(v)) {
          st.execute(sql);
        }
        st.execute("PRAGMA user_version = " + (v + 1));
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    }
  }

  private interface Work<T> {
    T run() throws SQLException;
  }

  /** Runs {@code work}; when the file turns out damaged mid-run, starts fresh and runs it again. */
  private <T> T retryOnceIfDamaged(Work<T> work) throws SQLException {
    try {
      return work.run();
    } catch (SQLException e) {
      if (file == null || !damaged(e)) {
        onProblem.accept(problem(e));
        throw e;
      }
      String notice = renameAsideAndStartFresh(file, e);
      onProblem.accept(notice);
      if (db == null) {
        inMemoryBecause(notice);
      }
      return work.run();
    }
  }

  private static String problem(SQLException e) {
    return locked(e)
        ? "The history file is locked by another program: this session was not recorded."
        : "Could not use the history file: " + e.getMessage();
  }

  private SessionRecord insert(SessionRecord s) throws SQLException {
    try (PreparedStatement ps =
        db.prepareStatement(
            "INSERT INTO session (gateway, gateway_name, proxy, local_port, client_port,"
                + " started_at, ended_at, bytes_up, bytes_down, outcome, reason, resumes)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            Statement.RETURN_GENERATED_KEYS)) {
      ps.setString(1, s.gateway());
      ps.setString(2, s.gatewayName());
      ps.setString(3, s.proxy());
      ps.setInt(4, s.localPort());
      ps.setInt(5, s.clientPort());
      ps.setLong(6, s.start().toEpochMilli());
      ps.setLong(7, s.end().toEpochMilli());
      ps.setLong(8, s.bytesUp());
      ps.setLong(9, s.bytesDown());
      ps.setString(10, s.outcome().label());
      ps.setString(11, s.reason());
      ps.setInt(12, s.resumes());
      ps.executeUpdate();
      long id;
      try (ResultSet keys = ps.getGeneratedKeys()) {
        id = keys.next() ? keys.getLong(1) : 0;
      }
      return new SessionRecord(
          id,
          s.gateway(),
          s.gatewayName(),
          s.proxy(),
          s.localPort(),
          s.clientPort(),
          Instant.ofEpochMilli(s.start().toEpochMilli()),
          Instant.ofEpochMilli(s.end().toEpochMilli()),
          s.bytesUp(),
          s.bytesDown(),
          s.outcome(),
          s.reason(),
          s.resumes());
    }
  }

  private List<SessionRecord> select(int limit) throws SQLException {
    List<SessionRecord> out = new ArrayList<>();
    try (PreparedStatement ps =
        db.prepareStatement(
            "SELECT id, gateway, gateway_name, proxy, local_port, client_port, started_at,"
                + " ended_at, bytes_up, bytes_down, outcome, reason, resumes FROM session"
                + " ORDER BY started_at DESC, id DESC LIMIT ?")) {
      ps.setInt(1, limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new SessionRecord(
                  rs.getLong(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getInt(5),
                  rs.getInt(6),
                  Instant.ofEpochMilli(rs.getLong(7)),
                  Instant.ofEpochMilli(rs.getLong(8)),
                  rs.getLong(9),
                  rs.getLong(10),
                  Outcome.fromLabel(rs.getString(11)),
                  rs.getString(12),
                  rs.getInt(13)));
        }
      }
    }
    return out;
  }

  private int pruneNow() throws SQLException {
    int days = retentionDays;
    if (days <= 0 || db == null) {
      return 0;
    }
    Instant cutoff = clock.instant().minus(Duration.ofDays(days));
    try (PreparedStatement ps = db.prepareStatement("DELETE FROM session WHERE ended_at < ?")) {
      ps.setLong(1, cutoff.toEpochMilli());
      int n = ps.executeUpdate();
      if (n > 0) {
        LOG.info("history: deleted {} sessions older than {} days", n, days);
      }
      return n;
    }
  }

  private void pruneQuietly() {
    try {
      pruneNow();
    } catch (SQLException | RuntimeException e) {
      LOG.warn("history: pruning failed: {}", e.getMessage());
    }
  }

  private static boolean damaged(SQLException e) {
    int code = primaryCode(e);
    return code == SQLiteErrorCode.SQLITE_CORRUPT.code
        || code == SQLiteErrorCode.SQLITE_NOTADB.code;
  }

  private static boolean locked(SQLException e) {
    int code = primaryCode(e);
    return code == SQLiteErrorCode.SQLITE_BUSY.code || code == SQLiteErrorCode.SQLITE_LOCKED.code;
  }

  private static int primaryCode(SQLException e) {
    if (e instanceof SQLiteException s) {
      return s.getResultCode().code & 0xff;
    }
    return e.getErrorCode() & 0xff;
  }

  private static Path unique(Path p) {
    Path candidate = p;
    for (int i = 2; Files.exists(candidate); i++) {
      candidate = p.resolveSibling(p.getFileName() + "-" + i);
    }
    return candidate;
  }

  private void closeDb() {
    if (db != null) {
      try {
        db.close();
      } catch (SQLException e) {
        LOG.debug("closing the history", e);
      }
      db = null;
    }
  }

  /** Finishes the queued writes (up to 5 s), then closes the file. */
  @Override
  public void close() {
    try {
      writer.execute(this::closeDb);
    } catch (RejectedExecutionException alreadyClosed) {
      return;
    }
    writer.shutdown();
    try {
      if (!writer.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("history: writes still pending after 5 s; closing anyway");
        writer.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      writer.shutdownNow();
    }
  }
}
