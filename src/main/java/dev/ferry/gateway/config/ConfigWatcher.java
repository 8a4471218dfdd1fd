package dev.ferry.gateway.config;

import dev.ferry.tunnel.net.DaemonThreadFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices a changed config file and hands the validated result on. It compares the file's content
 * (SHA-256), not its mtime: a Kubernetes config mount changes by swapping a symlink, and an editor
 * may keep the mtime. A changed content is read again after a short settle time and only used when
 * both reads agree, so a file that is being written in place (without a rename) is not taken
 * half-written; the same content is judged only once, so a broken file is reported once.
 *
 * <pre>
 * ConfigWatcher w = ConfigWatcher.start(file, Duration.ofSeconds(2), System.getenv(), listener);
 * w.checkNow();   // SIGHUP: look now instead of at the next poll
 * w.close();
 * </pre>
 *
 * <p>All checks run on the watcher's own single daemon thread, so listener calls never overlap.
 */
public final class ConfigWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);

  /** Default poll interval. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);

  /** What a check found. Called on the watcher's thread. */
  public interface Listener {
    /** The file changed and is valid. */
    void changed(GatewayConfig config);

    /** The file changed and is invalid (or unreadable); the config in use stays. */
    void invalid(List<ConfigProblem> problems);
  }

  private final Path file;
  private final Duration settle;
  private final Map<String, String> env;
  private final Listener listener;
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(DaemonThreadFactory.named("ferry-config"));
  private byte[] judged;

  private ConfigWatcher(Path file, Duration settle, Map<String, String> env, Listener listener) {
    this.file = file;
    this.settle = settle;
    this.env = env;
    this.listener = listener;
    this.judged = digest(read());
  }

  /**
   * Starts polling {@code file} every {@code interval}; the content now is taken as the one in use.
   * The settle time is the interval, at most 500 ms: a writer that pauses longer than that between
   * two pieces of one file can still be caught halfway, so write aside and rename.
   */
  public static ConfigWatcher start(
      Path file, Duration interval, Map<String, String> env, Listener listener) {
    Duration settle = interval;
    if (settle.compareTo(Duration.ofMillis(500)) > 0) {
      settle = Duration.ofMillis(500);
    }
    ConfigWatcher w = new ConfigWatcher(file, settle, env, listener);
    long ms = Math.max(1, interval.toMillis());
    w.thread.scheduleWithFixedDelay(w::checkSafely, ms, ms, TimeUnit.MILLISECONDS);
    return w;
  }

  /** Checks the file now, on the watcher's thread (for SIGHUP); returns at once. */
  public void checkNow() {
    if (!thread.isShutdown()) {
      thread.execute(this::checkSafely);
    }
  }

  private void checkSafely() {
    try {
      check();
    } catch (RuntimeException e) {
      // The schedule must survive anything a listener throws.
      log.error("config reload of {} failed: {}", file, e.toString(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void check() throws InterruptedException {
    String first = read();
    byte[] hash = digest(first);
    if (Arrays.equals(hash, judged)) {
      return;
    }
    Thread.sleep(settle.toMillis());
    String second = read();
    if (!Arrays.equals(hash, digest(second))) {
      log.debug("{} is still changing; looking again at the next check", file);
      return;
    }
    judged = hash;
    if (first == null) {
      listener.invalid(
          List.of(new ConfigProblem(file.toString(), 1, 1, "cannot read the config file")));
      return;
    }
    GatewayConfig next;
    try {
      next = ConfigLoader.parse(file.toString(), first, env);
    } catch (ConfigException e) {
      listener.invalid(e.problems());
      return;
    }
    listener.changed(next);
  }

  /** The file's content, or null when it cannot be read (missing during a swap, say). */
  private String read() {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      log.debug("cannot read {}: {}", file, e.toString());
      return null;
    }
  }

  private static byte[] digest(String content) {
    if (content == null) {
      return new byte[0];
    }
    try {
      return MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
