package dev.ferry.client.stdio;

import dev.ferry.client.auth.TokenSource;
import dev.ferry.client.forward.Forwarder;
import dev.ferry.client.tunnel.TunnelConnector;
import dev.ferry.tunnel.TunnelError;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tunnel over a pair of streams ({@code ferry stdio}, an ssh ProxyCommand), carried by the same
 * resumable relay as {@code ferry connect}: a {@link Forwarder} on a free loopback port that
 * accepts exactly one connection, this object's own socket, and two threads that copy input →
 * socket (EOF → half-close) and socket → output (EOF → the output is closed). A dropped WebSocket
 * is resumed like any forwarded connection's.
 *
 * <p>The socket is bound before the forwarder listens and the forwarder accepts only that socket's
 * address and port, so another local process connecting first gets nothing.
 */
public final class StdioTunnel {
  private static final Logger log = LoggerFactory.getLogger(StdioTunnel.class);
  private static final int BUFFER = 64 * 1024;
  private static final int CONNECT_TIMEOUT_MS = 10_000;

  /** How long a stop waits for the gateway to take the close frame (or an opening tunnel's). */
  private static final Duration STOP_WAIT = Duration.ofSeconds(2);

  /** How long the output may make no progress, after the tunnel ended, before it is given up. */
  private static final long OUTPUT_STALL_MS = 10_000;

  /**
   * How the tunnel ended.
   *
   * @param error null when both directions finished normally (or a signal stopped it)
   * @param detail the reason in words
   */
  public record Result(TunnelError error, String detail, long bytesUp, long bytesDown) {
    /** The CLI exit code (DESIGN §2): 0 when the tunnel finished normally. */
    public int exitCode() {
      return error == null ? 0 : error.exitCode();
    }
  }

  private final TunnelConnector connector;
  private final String proxy;
  private final TokenSource tokens;
  private final StdioOutcome outcome = new StdioOutcome();
  private final AtomicLong written = new AtomicLong();
  private Forwarder forwarder; // guarded by this
  private boolean started; // guarded by this
  private boolean stopped; // guarded by this

  public StdioTunnel(TunnelConnector connector, String proxy, TokenSource tokens) {
    this.connector = connector;
    this.proxy = proxy;
    this.tokens = tokens;
  }

  /** Opens the tunnel and relays until it ends. Blocks; never closes {@code in}. Once only. */
  public Result run(InputStream in, OutputStream out) throws InterruptedException {
    Forwarder f = new Forwarder(connector, proxy, tokens, "127.0.0.1", 0, 1, outcome);
    synchronized (this) {
      if (started) {
        throw new IllegalStateException("a StdioTunnel runs once");
      }
      started = true;
      if (stopped) {
        return StdioOutcome.stopped(0, 0);
      }
      forwarder = f;
    }
    Socket socket = new Socket();
    try {
      InetAddress loopback = Forwarder.loopback("127.0.0.1");
      socket.bind(new InetSocketAddress(loopback, 0));
      f.acceptOnlyFrom((InetSocketAddress) socket.getLocalSocketAddress());
      int port = f.start();
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress(loopback, port), CONNECT_TIMEOUT_MS);
    } catch (Exception e) { // Netty's bind rethrows its cause unchecked
      f.close();
      closeQuietly(socket);
      return new Result(
          TunnelError.INTERNAL, "cannot open the local end of the tunnel: " + e, 0, 0);
    }
    daemon("ferry-stdin", () -> copyInput(in, socket));
    Thread output = daemon("ferry-stdout", () -> copyOutput(socket, out));
    Result r;
    try {
      r = outcome.result().get();
    } catch (ExecutionException e) {
      r = new Result(TunnelError.INTERNAL, String.valueOf(e.getCause()), 0, 0);
    }
    // Normally nothing is left open here; after a failure or a stop this sends the close frame.
    f.close();
    awaitOutput(output);
    closeQuietly(socket);
    String failed = outcome.localFailure();
    if (r.error() == null && failed != null && !isStopped()) {
      r = new Result(TunnelError.INTERNAL, failed, r.bytesUp(), r.bytesDown());
    }
    return r;
  }

  /**
   * Ends the tunnel with a close frame and returns once the gateway answered it (a couple of
   * seconds at most), so that the gateway ends the session now instead of holding it for a resume;
   * {@link #run} then returns "stopped". For SIGHUP (ssh ends its ProxyCommand so), SIGTERM and
   * SIGINT. Any thread; idempotent.
   */
  public void stop() {
    Forwarder f;
    synchronized (this) {
      if (stopped) {
        return;
      }
      stopped = true;
      f = forwarder;
    }
    outcome.stopping();
    if (f != null) {
      long deadline = System.nanoTime() + STOP_WAIT.toNanos();
      f.close(); // waits for the gateway's answers within about the same time
      awaitNoTunnel(f, deadline);
    }
    outcome.complete(
        f == null
            ? StdioOutcome.stopped(0, 0)
            : StdioOutcome.stopped(f.stats().bytesUp(), f.stats().bytesDown()));
  }

  /**
   * A tunnel that was still opening when the forwarder closed is closed, with its close frame, as
   * soon as it opens: give that a moment before the process exits.
   */
  private static void awaitNoTunnel(Forwarder f, long deadline) {
    try {
      while (f.stats().activeConnections() > 0 && System.nanoTime() - deadline < 0) {
        Thread.sleep(10);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** How many times a dropped WebSocket under this tunnel was resumed so far. */
  public synchronized long resumes() {
    return forwarder == null ? 0 : forwarder.resumes();
  }

  private synchronized boolean isStopped() {
    return stopped;
  }

  /** Input → socket; the input's end becomes a half-close, which the relay sends as EOF. */
  private void copyInput(InputStream in, Socket socket) {
    byte[] buf = new byte[BUFFER];
    try {
      OutputStream to = socket.getOutputStream();
      while (true) {
        int n;
        try {
          n = in.read(buf);
        } catch (IOException e) {
          outcome.localFailure("cannot read standard input: " + e.getMessage());
          closeQuietly(socket);
          return;
        }
        if (n < 0) {
          socket.shutdownOutput();
          return;
        }
        to.write(buf, 0, n);
      }
    } catch (IOException e) {
      log.debug("tunnel input ended: {}", e.toString()); // the tunnel ended and closed the socket
    }
  }

  /**
   * Socket → output; the socket's end (the gateway's EOF, or the tunnel's end) closes the output.
   */
  private void copyOutput(Socket socket, OutputStream out) {
    byte[] buf = new byte[BUFFER];
    try {
      InputStream from = socket.getInputStream();
      int n;
      while ((n = from.read(buf)) >= 0) {
        try {
          out.write(buf, 0, n);
          if (from.available() == 0) {
            out.flush();
          }
        } catch (IOException e) {
          outcome.localFailure("cannot write standard output: " + e.getMessage());
          closeQuietly(socket);
          return;
        }
        written.addAndGet(n);
      }
    } catch (IOException e) {
      log.debug("tunnel output ended: {}", e.toString());
    }
    try {
      out.close();
    } catch (IOException e) {
      log.debug("closing the output failed: {}", e.toString());
    }
  }

  /** Lets the output finish writing what arrived, as long as it makes progress. */
  private void awaitOutput(Thread output) throws InterruptedException {
    long last = -1;
    while (output.isAlive()) {
      long now = written.get();
      if (now == last) {
        log.debug("output stalled; giving up on it");
        return;
      }
      last = now;
      output.join(OUTPUT_STALL_MS);
    }
  }

  private static Thread daemon(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // nothing left to do
    }
  }
}
