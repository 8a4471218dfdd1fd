package dev.ferry.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Turns a stdin/stdout program into a TCP endpoint: a loopback listener on {@code 127.0.0.1:<free
 * port>} that, for each accepted connection, starts the given command and pipes socket → process
 * stdin and process stdout → socket. This is how a test plays OpenSSH's {@code ProxyCommand} with
 * an in-process SSH client: MINA client → bridge → {@code ferry stdio ssh} → gateway → {@link
 * SshTarget}.
 *
 * <p>Half-close is carried both ways: end of stream from the socket closes the process's stdin; end
 * of its stdout shuts down the socket's output. When the process has exited and its stdout is
 * drained, the socket is closed. Each connection's stderr and exit code are kept for assertions.
 * The environment follows {@link CliProcess}'s rules (inherit, override, {@link CliProcess#UNSET}).
 *
 * <pre>{@code
 * try (StdioBridge bridge = StdioBridge.start(CliProcess.command("stdio", "ssh", "--gateway", url), Map.of("FERRY_TOKEN", token));
 *     SshTarget.Client ssh = sshTarget.client()) {
 *   assertThat(ssh.exec(bridge.host(), bridge.port(), "echo hi", null).stdoutText()).isEqualTo("hi\n");
 *   assertThat(bridge.connection(0, Duration.ofSeconds(5)).awaitExit(Duration.ofSeconds(10))).isZero();
 * }
 * }</pre>
 */
public final class StdioBridge implements AutoCloseable {
  private final ServerSocket server;
  private final List<String> argv;
  private final Map<String, String> env;
  private final ExecutorService pool = Pipes.daemonPool("stdio-bridge");
  private final List<Connection> connections = new ArrayList<>(); // guarded by this

  private StdioBridge(ServerSocket server, List<String> argv, Map<String, String> env) {
    this.server = server;
    this.argv = argv;
    this.env = env;
  }

  /** Listens on {@code 127.0.0.1:0}; each connection runs {@code argv} with {@code env}. */
  public static StdioBridge start(List<String> argv, Map<String, String> env) throws IOException {
    ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    StdioBridge bridge = new StdioBridge(ss, List.copyOf(argv), Map.copyOf(env));
    bridge.pool.execute(bridge::acceptLoop);
    return bridge;
  }

  /** Always {@code 127.0.0.1}. */
  public String host() {
    return server.getInetAddress().getHostAddress();
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Snapshot of the connections accepted so far, in order. */
  public synchronized List<Connection> connections() {
    return List.copyOf(connections);
  }

  /**
   * The {@code index}-th accepted connection (from 0), waiting up to {@code timeout} for it.
   *
   * @throws AssertionError on timeout
   */
  public synchronized Connection connection(int index, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (connections.size() <= index) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(
            "connection #"
                + index
                + " not accepted within "
                + timeout
                + " ("
                + connections.size()
                + " so far)");
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
    return connections.get(index);
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      Socket socket;
      try {
        socket = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      Connection c = new Connection(socket);
      synchronized (this) {
        connections.add(c);
        notifyAll();
      }
      c.begin();
    }
  }

  /** Stops listening, kills every process still running and closes every socket. */
  @Override
  public void close() {
    Pipes.closeQuietly(server);
    for (Connection c : connections()) {
      c.kill();
    }
    pool.shutdownNow();
  }

  /** One accepted connection and the process serving it. */
  public final class Connection {
    private final Socket socket;
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private volatile Process process;

    private Connection(Socket socket) {
      this.socket = socket;
    }

    private void begin() {
      Process p;
      try {
        ProcessBuilder pb = new ProcessBuilder(argv);
        CliProcess.applyEnv(pb, env);
        p = pb.start();
      } catch (IOException e) {
        synchronized (stderr) {
          stderr.writeBytes(
              ("bridge: cannot start " + argv.get(0) + ": " + e + "\n")
                  .getBytes(StandardCharsets.UTF_8));
        }
        exit.complete(-1);
        Pipes.closeQuietly(socket);
        return;
      }
      process = p;
      pool.execute(() -> socketToStdin(p));
      CompletableFuture<Void> down = CompletableFuture.runAsync(() -> stdoutToSocket(p), pool);
      CompletableFuture<Void> errDone = CompletableFuture.runAsync(() -> captureStderr(p), pool);
      // Exit is reported only once stdout was delivered and stderr fully read, so a caller that
      // saw the exit also sees everything the process wrote.
      p.onExit()
          .thenCombine(
              down.thenCombine(errDone, (a, b) -> null), (proc, ignored) -> proc.exitValue())
          .whenComplete(
              (code, err) -> {
                // the program is gone and all it wrote was delivered: the connection ends
                Pipes.closeQuietly(socket);
                exit.complete(code == null ? -1 : code);
              });
    }

    private void socketToStdin(Process p) {
      try (OutputStream stdin = p.getOutputStream()) {
        Pipes.copy(socket.getInputStream(), stdin);
      } catch (IOException e) {
        // socket closed or process gone: either way stdin is closed now
      }
    }

    private void stdoutToSocket(Process p) {
      try (InputStream stdout = p.getInputStream()) {
        Pipes.copy(stdout, socket.getOutputStream());
        socket.shutdownOutput();
      } catch (IOException e) {
        // peer went away; the exit watcher closes the socket
      }
    }

    private void captureStderr(Process p) {
      byte[] buf = new byte[4096];
      try (InputStream err = p.getErrorStream()) {
        int n;
        while ((n = err.read(buf)) >= 0) {
          synchronized (stderr) {
            stderr.write(buf, 0, n);
          }
        }
      } catch (IOException e) {
        // process killed
      }
    }

    /** The process id, or -1 if it could not be started (see {@link #stderr()}). */
    public long pid() {
      Process p = process;
      return p == null ? -1 : p.pid();
    }

    /** What the process wrote to stderr so far (UTF-8). */
    public String stderr() {
      synchronized (stderr) {
        return stderr.toString(StandardCharsets.UTF_8);
      }
    }

    /** The exit code if the process has exited and its stdout and stderr were drained. */
    public OptionalInt exitCode() {
      Integer code = exit.getNow(null);
      return code == null ? OptionalInt.empty() : OptionalInt.of(code);
    }

    /**
     * Waits for the process to exit (and its output to be delivered) and returns its exit code.
     *
     * @throws AssertionError on timeout; the message carries its stderr
     */
    public int awaitExit(Duration timeout) {
      try {
        return exit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new AssertionError(
            "bridged process still running after " + timeout + "; stderr:\n" + stderr());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      } catch (ExecutionException e) {
        throw new AssertionError(e.getCause());
      }
    }

    private void kill() {
      Process p = process;
      if (p != null && p.isAlive()) {
        p.destroyForcibly();
        try {
          p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      Pipes.closeQuietly(socket);
    }
  }
}
