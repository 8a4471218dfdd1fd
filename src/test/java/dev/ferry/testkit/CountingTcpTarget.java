package dev.ferry.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain TCP echo server on {@code 127.0.0.1:<free port>} that counts the connections it accepted,
 * for assertions such as "a refused tunnel never touched the target" (DESIGN §1).
 *
 * <p>Each connection echoes every byte back; when the peer half-closes (shutdownOutput) the server
 * finishes echoing and half-closes its side too, so TCP half-close can be checked through a tunnel.
 *
 * <pre>{@code
 * try (CountingTcpTarget target = CountingTcpTarget.start()) {
 *   String upstream = target.address();              // "127.0.0.1:PORT" for a gateway config
 *   assertThat(target.acceptedCount()).isZero();     // after a refused tunnel
 * }
 * }</pre>
 */
public final class CountingTcpTarget implements AutoCloseable {
  private final ServerSocket server;
  private final ExecutorService pool = Pipes.daemonPool("counting-target");
  private final AtomicInteger accepted = new AtomicInteger();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();

  private CountingTcpTarget(ServerSocket server) {
    this.server = server;
  }

  /** Binds {@code 127.0.0.1:0} and starts accepting. */
  public static CountingTcpTarget start() throws IOException {
    ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    CountingTcpTarget target = new CountingTcpTarget(ss);
    target.pool.execute(target::acceptLoop);
    return target;
  }

  /** Always {@code 127.0.0.1}. */
  public String host() {
    return server.getInetAddress().getHostAddress();
  }

  public int port() {
    return server.getLocalPort();
  }

  /** {@code host:port}, the form a proxy's {@code target} takes in the gateway config. */
  public String address() {
    return host() + ":" + port();
  }

  /** Connections accepted since start (never decreases). */
  public int acceptedCount() {
    return accepted.get();
  }

  /** Connections currently open (accepted and not yet closed by both sides). */
  public int openCount() {
    return open.size();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      accepted.incrementAndGet();
      open.add(s);
      pool.execute(() -> echo(s));
    }
  }

  private void echo(Socket s) {
    try (s) {
      Pipes.copy(s.getInputStream(), s.getOutputStream());
      s.shutdownOutput();
    } catch (SocketException e) {
      // peer reset or target closed
    } catch (IOException e) {
      // peer went away
    } finally {
      open.remove(s);
    }
  }

  /** Stops accepting and closes every open connection. */
  @Override
  public void close() {
    Pipes.closeQuietly(server);
    open.forEach(Pipes::closeQuietly);
    pool.shutdownNow();
  }
}
