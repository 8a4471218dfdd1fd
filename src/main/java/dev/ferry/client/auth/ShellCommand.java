package dev.ferry.client.auth;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Runs one command line through the platform shell ({@code sh -c}, {@code cmd /c} on Windows) with
 * a time limit, capturing its output. Both pipes are drained on their own threads: a command that
 * writes much to stderr must not block on a full pipe while we wait for stdout.
 */
final class ShellCommand {

  /** What the command did; stderr is kept only up to a few KiB, for the first line. */
  record Outcome(int exitCode, String stdout, String stderr) {

    String firstStderrLine() {
      return stderr.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("");
    }
  }

  private static final int STDOUT_LIMIT = 1 << 20; // a token, even a fat one, fits in 1 MiB
  private static final int STDERR_LIMIT = 8 << 10;

  private ShellCommand() {}

  static List<String> shellArgv(String command) {
    boolean windows = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("win");
    return windows ? List.of("cmd", "/c", command) : List.of("sh", "-c", command);
  }

  static Outcome run(String command, Duration limit, String label) throws TokenException {
    Process process;
    try {
      process =
          new ProcessBuilder(shellArgv(command))
              .redirectInput(ProcessBuilder.Redirect.PIPE)
              .start();
    } catch (IOException e) {
      throw new TokenException(label + " could not be started: " + e.getMessage(), e);
    }
    try {
      process.getOutputStream().close(); // the command gets no input: it must not wait for any
    } catch (IOException ignored) {
      // already gone; waitFor tells the rest
    }
    Drain stdout = Drain.start(process.getInputStream(), STDOUT_LIMIT, label + " stdout");
    Drain stderr = Drain.start(process.getErrorStream(), STDERR_LIMIT, label + " stderr");
    try {
      if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        throw new TokenException(label + " did not finish within " + limit.toSeconds() + " s");
      }
      // A background grandchild may still hold the pipes: wait briefly, then take what came.
      return new Outcome(process.exitValue(), stdout.await(), stderr.await());
    } catch (InterruptedException e) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new TokenException(label + " was interrupted", e);
    }
  }

  /** Reads one stream to its end (keeping at most {@code limit} bytes) on a daemon thread. */
  private static final class Drain implements Runnable {
    private static final long AWAIT_MS = 2_000;

    private final InputStream in;
    private final int limit;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final Thread thread;

    private Drain(InputStream in, int limit, String name) {
      this.in = in;
      this.limit = limit;
      this.thread = new Thread(this, name);
      thread.setDaemon(true);
    }

    static Drain start(InputStream in, int limit, String name) {
      Drain drain = new Drain(in, limit, name);
      drain.thread.start();
      return drain;
    }

    @Override
    public void run() {
      byte[] buffer = new byte[8192];
      try (in) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          synchronized (kept) {
            int room = limit - kept.size();
            if (room > 0) {
              kept.write(buffer, 0, Math.min(n, room));
            }
          }
        }
      } catch (IOException ignored) {
        // the stream closed under us (process killed): what was read so far is all there is
      }
    }

    String await() throws InterruptedException {
      thread.join(AWAIT_MS);
      synchronized (kept) {
        return kept.toString(StandardCharsets.UTF_8);
      }
    }
  }
}
