package dev.ferry.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real TCP server on 127.0.0.1 for tests, one thread per connection, that counts the connections
 * it accepted (refusal tests assert it saw none) and the bytes it received.
 */
public final class TcpTarget implements AutoCloseable {

  /** What the target does with one accepted connection. */
  @FunctionalInterface
  public interface Behavior {
    void handle(Socket socket, TcpTarget target) throws Exception;
  }

  private final ServerSocket server;
  private final Behavior behavior;
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicLong received = new AtomicLong();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<Throwable> errors = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private TcpTarget(Behavior behavior, boolean accept, int backlog) throws IOException {
    this.server = new ServerSocket(0, backlog, InetAddress.getByName("127.0.0.1"));
    this.behavior = behavior;
    if (accept) {
      Thread t = new Thread(this::acceptLoop, "target-accept-" + port());
      t.setDaemon(true);
      t.start();
    }
  }

  public static TcpTarget start(Behavior behavior) throws IOException {
    return new TcpTarget(behavior, true, 50);
  }

  /** A listener that never accepts: connections queue in its backlog, then hang. */
  public static TcpTarget notAccepting() throws IOException {
    return new TcpTarget(null, false, 1);
  }

  /** Echoes until EOF, then half-closes. */
  public static Behavior echo() {
    return (s, t) -> {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      byte[] buf = new byte[64 * 1024];
      int n;
      while ((n = in.read(buf)) >= 0) {
        t.received.addAndGet(n);
        out.write(buf, 0, n);
      }
      out.flush();
      s.shutdownOutput();
    };
  }

  /** Reads everything until EOF, then replies the SHA-256 of it and the byte count, then closes. */
  public static Behavior digestAfterEof() {
    return (s, t) -> {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      InputStream in = s.getInputStream();
      byte[] buf = new byte[64 * 1024];
      int n;
      long total = 0;
      while ((n = in.read(buf)) >= 0) {
        md.update(buf, 0, n);
        total += n;
        t.received.addAndGet(n);
      }
      OutputStream out = s.getOutputStream();
      out.write(md.digest());
      out.write(java.nio.ByteBuffer.allocate(8).putLong(total).array());
      out.flush();
      s.shutdownOutput();
    };
  }

  /**
   * Checks what {@link #digestAfterEof} answered a client that sent {@code count} pattern bytes
   * ({@link Streams#writePattern}): their SHA-256, then the count.
   */
  public static void assertDigestReply(byte[] reply, long count) {
    assertThat(reply).hasSize(40);
    assertThat(Arrays.copyOf(reply, 32))
        .as("SHA-256 the target received")
        .isEqualTo(Streams.patternDigest(count));
    assertThat(ByteBuffer.wrap(reply, 32, 8).getLong())
        .as("bytes the target received")
        .isEqualTo(count);
  }

  /**
   * Checks both directions of a {@link #sourceAndDigest} exchange of {@code count} pattern bytes
   * each way: {@code received} is the SHA-256 of what the client read, {@code reply} what the
   * target answered after the client's half-close.
   */
  public static void assertPatternBothWays(byte[] received, byte[] reply, long count) {
    byte[] expected = Streams.patternDigest(count);
    assertThat(received).as("bytes target → client").isEqualTo(expected);
    assertThat(Arrays.copyOf(reply, 32)).as("bytes client → target").isEqualTo(expected);
  }

  /**
   * Sends {@code bytes} first, half-closes, then reads until EOF and replies nothing more (the
   * reverse half-close: the target finishes first).
   */
  public static Behavior greetThenHalfClose(byte[] bytes) {
    return (s, t) -> {
      OutputStream out = s.getOutputStream();
      out.write(bytes);
      out.flush();
      s.shutdownOutput();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) >= 0) {
        t.received.addAndGet(n);
      }
    };
  }

  /**
   * Streams {@code count} deterministic bytes ({@link Streams#pattern}) while hashing all it
   * receives; after its input EOF it waits for its own sending to end, then sends the 32-byte
   * SHA-256 of what it received and closes.
   */
  public static Behavior sourceAndDigest(long count) {
    return (s, t) -> {
      Thread sender =
          new Thread(
              () -> {
                try {
                  Streams.writePattern(s.getOutputStream(), count);
                } catch (IOException e) {
                  t.errors.add(e);
                }
              },
              "target-source");
      sender.start();
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      InputStream in = s.getInputStream();
      byte[] buf = new byte[256 * 1024];
      int n;
      while ((n = in.read(buf)) >= 0) {
        md.update(buf, 0, n);
        t.received.addAndGet(n);
      }
      sender.join();
      OutputStream out = s.getOutputStream();
      out.write(md.digest());
      out.flush();
      s.shutdownOutput();
    };
  }

  /** Resets each connection (SO_LINGER 0: RST, not FIN) as soon as it is accepted. */
  public static Behavior resetAtOnce() {
    return (s, t) -> {
      s.setSoLinger(true, 0);
      s.close();
    };
  }

  /** Closes each connection cleanly (FIN) as soon as it is accepted, reading nothing. */
  public static Behavior closeAtOnce() {
    return (s, t) -> s.close();
  }

  /** Accepts and then never reads nor writes; keeps the connection until the test ends. */
  public static Behavior neverRead() {
    return (s, t) -> {
      while (!t.closed && !s.isClosed()) {
        synchronized (t) {
          t.wait(100);
        }
      }
    };
  }

  /**
   * Reads nothing until {@code gate} opens, then behaves as {@code then}: a stall, then recovery.
   */
  public static Behavior after(CountDownLatch gate, Behavior then) {
    return (s, t) -> {
      gate.await();
      then.handle(s, t);
    };
  }

  /** Writes as fast as the connection takes, forever. */
  public static Behavior flood() {
    return (s, t) -> {
      byte[] chunk = new byte[64 * 1024];
      OutputStream out = s.getOutputStream();
      while (!t.closed) {
        out.write(chunk);
      }
    };
  }

  /** Holds the connection open and does nothing (idle tunnels). */
  public static Behavior hold() {
    return neverRead();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        return;
      }
      accepted.incrementAndGet();
      sockets.add(s);
      Thread t =
          new Thread(
              () -> {
                try (s) {
                  behavior.handle(s, this);
                } catch (Exception e) {
                  if (!closed) {
                    errors.add(e);
                  }
                }
              },
              "target-conn-" + port());
      t.setDaemon(true);
      t.start();
    }
  }

  public int port() {
    return server.getLocalPort();
  }

  /** host:port for a proxy's target. */
  public String address() {
    return "127.0.0.1:" + port();
  }

  /** Connections accepted so far. */
  public int accepted() {
    return accepted.get();
  }

  public long received() {
    return received.get();
  }

  public List<Throwable> errors() {
    return errors;
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
