package dev.ferry.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Ferry CLI as a separate JVM ({@code java -cp <this JVM's class path> dev.ferry.cli.FerryMain
 * ARGS}), with its stdout and stderr captured line by line as they arrive, so a test can wait for
 * {@code forwarding 127.0.0.1:N -> PROXY}, send SIGINT and check the exit code of DESIGN §2.
 *
 * <p>Environment: the child inherits this JVM's environment; entries of the {@code env} map
 * override it, and an entry whose value is {@link #UNSET} removes the variable (for example {@code
 * Map.of("FERRY_TOKEN", CliProcess.UNSET)}).
 *
 * <pre>{@code
 * try (CliProcess fwd = CliProcess.start(Map.of("FERRY_TOKEN", token), "connect", "db", "--gateway", url)) {
 *   int port = Integer.parseInt(fwd.awaitLine(Pattern.compile("forwarding 127\\.0\\.0\\.1:(\\d+)"), Duration.ofSeconds(20)).group(1));
 *   fwd.signal("INT");  assertThat(fwd.waitFor(Duration.ofSeconds(10))).isZero();
 * }
 * }</pre>
 *
 * <p>Short commands: {@code CliProcess.Result r = CliProcess.run(Duration.ofSeconds(20), Map.of(),
 * "--version");}. For {@code ferry stdio}, whose stdout is binary, use {@link #command} with {@link
 * StdioBridge} instead.
 */
public final class CliProcess implements AutoCloseable {
  /** Value in an env map that removes the variable from the inherited environment. */
  public static final String UNSET = "\u0000unset";

  /** The CLI's main class. */
  public static final String FERRY_MAIN = "dev.ferry.cli.FerryMain";

  /** JVM options for child JVMs: they start faster on a small shared machine and cap their heap. */
  public static final List<String> JVM_OPTIONS =
      List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx512m");

  private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

  private final Process process;
  private final List<String> argv;
  private final List<String> stdout = new ArrayList<>();
  private final List<String> stderr = new ArrayList<>();
  private final ExecutorService readers = Pipes.daemonPool("cli-output");
  private final Future<?> stdoutDone;
  private final Future<?> stderrDone;
  private int streamsOpen = 2; // guarded by this

  private CliProcess(Process process, List<String> argv) {
    this.process = process;
    this.argv = argv;
    this.stdoutDone = readers.submit(() -> collect(process.getInputStream(), stdout));
    this.stderrDone = readers.submit(() -> collect(process.getErrorStream(), stderr));
  }

  /** Starts {@code ferry ARGS} in a new JVM. */
  public static CliProcess start(Map<String, String> env, String... args) throws IOException {
    return start(command(args), env);
  }

  /** Starts any command line (for example {@link #javaCommand}) with the same capture. */
  public static CliProcess start(List<String> argv, Map<String, String> env) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(argv);
    applyEnv(pb, env);
    return new CliProcess(pb.start(), List.copyOf(argv));
  }

  /**
   * Runs {@code ferry ARGS} to completion with stdin closed; kills it and fails if it takes longer
   * than {@code timeout}.
   */
  public static Result run(Duration timeout, Map<String, String> env, String... args)
      throws IOException {
    try (CliProcess p = start(env, args)) {
      p.stdin().close();
      int code = p.waitFor(timeout);
      return new Result(code, p.stdout(), p.stderr());
    }
  }

  /** The argv that runs {@code ferry ARGS} in a new JVM on this JVM's class path. */
  public static List<String> command(String... ferryArgs) {
    return javaCommand(FERRY_MAIN, ferryArgs);
  }

  /** The argv that runs {@code mainClass ARGS} in a new JVM on this JVM's class path. */
  public static List<String> javaCommand(String mainClass, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JVM_OPTIONS);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Applies inherit + overrides + {@link #UNSET} removals to a process builder. */
  static void applyEnv(ProcessBuilder pb, Map<String, String> env) {
    Map<String, String> target = pb.environment();
    env.forEach(
        (k, v) -> {
          if (UNSET.equals(v)) {
            target.remove(k);
          } else {
            target.put(k, v);
          }
        });
  }

  /**
   * Waits for the first line of stdout, else of stderr, in which {@code pattern} is found (lines
   * printed before the call count), and returns its matcher so groups can be read.
   *
   * @throws AssertionError on timeout or when the process ended without printing such a line; the
   *     message carries everything it printed
   */
  public Matcher awaitLine(Pattern pattern, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      while (true) {
        Matcher m = find(pattern, stdout);
        if (m == null) {
          m = find(pattern, stderr);
        }
        if (m != null) {
          return m;
        }
        if (streamsOpen == 0) {
          throw new AssertionError(
              "process ended without a line matching /" + pattern + "/\n" + describe());
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(
              "no line matching /" + pattern + "/ within " + timeout + "\n" + describe());
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted while waiting for /" + pattern + "/", e);
        }
      }
    }
  }

  /**
   * Waits for the process to exit and its output to be fully read; returns the exit code.
   *
   * @throws AssertionError if it is still running after {@code timeout} (it is left running; {@link
   *     #close()} kills it)
   */
  public int waitFor(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("still running after " + timeout + "\n" + describe());
      }
      stdoutDone.get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      stderrDone.get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
      throw new AssertionError("output not drained: " + e, e);
    }
  }

  /**
   * Sends a signal by name ({@code "INT"}, {@code "TERM"}) with {@code kill -s NAME PID}
   * (Linux/macOS).
   */
  public void signal(String name) throws IOException {
    Process kill =
        new ProcessBuilder("kill", "-s", name, Long.toString(process.pid()))
            .redirectErrorStream(true)
            .start();
    try {
      if (!kill.waitFor(10, TimeUnit.SECONDS)) {
        kill.destroyForcibly();
        throw new IOException("kill -s " + name + " did not finish");
      }
      if (kill.exitValue() != 0) {
        String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        throw new IOException("kill -s " + name + " failed: " + out.trim());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /**
   * Writes {@code line} and a newline to stdin, then waits (as {@link #awaitLine}) for exactly that
   * line to be printed: one round trip through a {@code ferry stdio} tunnel to an echo target.
   */
  public void echoLine(String line, Duration timeout) throws IOException {
    stdin().write((line + "\n").getBytes(StandardCharsets.UTF_8));
    stdin().flush();
    awaitLine(Pattern.compile("^" + Pattern.quote(line) + "$"), timeout);
  }

  /** The child's stdin (closing it sends end of file). */
  public OutputStream stdin() {
    return process.getOutputStream();
  }

  /** A snapshot of the stdout lines read so far. */
  public synchronized List<String> stdout() {
    return List.copyOf(stdout);
  }

  /** A snapshot of the stderr lines read so far. */
  public synchronized List<String> stderr() {
    return List.copyOf(stderr);
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Kills the process if it still runs ({@code destroyForcibly}) and waits briefly for it. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
    try {
      process.waitFor(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    readers.shutdownNow();
  }

  /** Command line, exit state and all captured output, for failure messages. */
  public synchronized String describe() {
    String state = process.isAlive() ? "running" : "exited " + process.exitValue();
    int cp = argv.indexOf("-cp");
    List<String> shown = cp < 0 ? argv : argv.subList(cp + 2, argv.size()); // hide the class path
    return "command: "
        + String.join(" ", shown)
        + " ("
        + state
        + ")\n--- stdout\n"
        + String.join("\n", stdout)
        + "\n--- stderr\n"
        + String.join("\n", stderr);
  }

  private static Matcher find(Pattern pattern, List<String> lines) {
    for (String line : lines) {
      Matcher m = pattern.matcher(line);
      if (m.find()) {
        return m;
      }
    }
    return null;
  }

  private void collect(InputStream in, List<String> sink) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        synchronized (this) {
          sink.add(line);
          notifyAll();
        }
      }
    } catch (IOException e) {
      // stream closed by close()
    } finally {
      synchronized (this) {
        streamsOpen--;
        notifyAll();
      }
    }
  }

  /** Outcome of {@link #run}. */
  public record Result(int exitCode, List<String> stdout, List<String> stderr) {
    /** Stdout lines joined with {@code \n}. */
    public String stdoutText() {
      return String.join("\n", stdout);
    }

    /** Stderr lines joined with {@code \n}. */
    public String stderrText() {
      return String.join("\n", stderr);
    }
  }
}
