package dev.ferry.testkit;

import dev.ferry.tunnel.Protocol;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on 127.0.0.1 that forwards bytes to one target and, on command, cuts every connection
 * it carries with a reset on both sides (SO_LINGER 0): what a load balancer, a NAT or a network
 * change does to a WebSocket. It can also refuse new connections (reset right after accept), refuse
 * only resumes (reset once the request head shows {@code Ferry-Resume}) and pause the direction
 * towards its clients.
 *
 * <pre>
 * CuttingProxy p = fx.closeAfter(CuttingProxy.start(gw.port()));
 * ... connect through p.port() ...
 * p.cut();                // both sides see a reset
 * p.refuseNew(true);      // reconnects fail until refuseNew(false)
 * </pre>
 */
public final class CuttingProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int targetPort;
  private final List<Pair> pairs = new CopyOnWriteArrayList<>();
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger cuts = new AtomicInteger();
  private volatile boolean refuseNew;
  private volatile boolean refuseResumes;
  private volatile boolean pauseDown;
  private volatile boolean closed;

  private CuttingProxy(int targetPort) throws IOException {
    this.server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    this.targetPort = targetPort;
    Thread t = new Thread(this::acceptLoop, "cutting-proxy-" + port());
    t.setDaemon(true);
    t.start();
  }

  /** Starts a proxy to 127.0.0.1:{@code targetPort}. */
  public static CuttingProxy start(int targetPort) throws IOException {
    return new CuttingProxy(targetPort);
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Connections accepted so far (refused ones included). */
  public int accepted() {
    return accepted.get();
  }

  /** Connections being forwarded right now. */
  public int live() {
    return (int) pairs.stream().filter(p -> !p.cut).count();
  }

  /** Resets every connection being forwarded, both sides; returns how many were cut. */
  public int cut() {
    int n = 0;
    for (Pair p : pairs) {
      if (p.reset()) {
        n++;
      }
    }
    pairs.removeIf(p -> p.cut);
    cuts.addAndGet(n);
    return n;
  }

  public int cuts() {
    return cuts.get();
  }

  /** While true, new connections are reset right after accept. */
  public void refuseNew(boolean refuse) {
    this.refuseNew = refuse;
  }

  /**
   * While true, a new connection whose request head carries {@code Ferry-Resume} is reset once the
   * head is read (plain HTTP only); other new connections are forwarded. Plays the race a blip can
   * go either way: the client's new tunnel reaches the gateway before its resumes do.
   */
  public void refuseResumes(boolean refuse) {
    this.refuseResumes = refuse;
  }

  /** While true, nothing is forwarded from the target to the clients (the other way still is). */
  public void pauseDown(boolean pause) {
    this.pauseDown = pause;
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;
      }
      accepted.incrementAndGet();
      if (refuseNew) {
        reset(client);
        continue;
      }
      if (refuseResumes) {
        Socket screened = client;
        Thread t = new Thread(() -> screen(screened), "cutting-proxy-screen");
        t.setDaemon(true);
        t.start();
        continue;
      }
      forward(client, new byte[0]);
    }
  }

  /** Reads the request head; resets a resume, forwards anything else (head included). */
  private void screen(Socket client) {
    byte[] head;
    try {
      client.setSoTimeout(30_000);
      head = readHead(client.getInputStream());
      client.setSoTimeout(0);
    } catch (IOException e) {
      reset(client);
      return;
    }
    String text = new String(head, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
    if (text.contains("\r\n" + Protocol.RESUME_HEADER.toLowerCase(Locale.ROOT) + ":")) {
      reset(client);
      return;
    }
    forward(client, head);
  }

  /**
   * Up to and including the blank line ending an HTTP head (a client sends no more before 101; a
   * server's 101 is followed by frames, which stay unread).
   */
  static byte[] readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int last4 = 0;
    while (last4 != 0x0d0a0d0a) {
      int c = in.read();
      if (c < 0 || head.size() > 64 * 1024) {
        throw new IOException("no complete request head");
      }
      head.write(c);
      last4 = (last4 << 8) | c;
    }
    return head.toByteArray();
  }

  /** Connects to the target, sends {@code first} there, and pumps both ways. */
  private void forward(Socket client, byte[] first) {
    Socket upstream = new Socket();
    try {
      client.setTcpNoDelay(true);
      upstream.setTcpNoDelay(true);
      upstream.connect(new InetSocketAddress("127.0.0.1", targetPort), 5000);
      upstream.getOutputStream().write(first);
    } catch (IOException e) {
      reset(client);
      reset(upstream);
      return;
    }
    Pair p = new Pair(client, upstream);
    pairs.add(p);
    p.pump(client, upstream, false, "up");
    p.pump(upstream, client, true, "down");
  }

  /** One forwarded connection: the client's socket and the one to the target. */
  private final class Pair {
    final Socket client;
    final Socket upstream;
    volatile boolean cut;
    final AtomicInteger ended = new AtomicInteger();

    Pair(Socket client, Socket upstream) {
      this.client = client;
      this.upstream = upstream;
    }

    void pump(Socket from, Socket to, boolean down, String name) {
      Thread t =
          new Thread(
              () -> {
                byte[] buf = new byte[64 * 1024];
                try {
                  InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream();
                  int n;
                  while (true) {
                    while (down && pauseDown && !cut && !closed) {
                      Thread.sleep(5);
                    }
                    n = in.read(buf);
                    if (n < 0) {
                      break;
                    }
                    // Bytes read just before a pause wait too.
                    while (down && pauseDown && !cut && !closed) {
                      Thread.sleep(5);
                    }
                    out.write(buf, 0, n);
                  }
                  to.shutdownOutput();
                } catch (IOException | InterruptedException e) {
                  // cut, or the other side went away: take the pair down
                  reset();
                } finally {
                  if (ended.incrementAndGet() == 2) {
                    closeQuietly(client);
                    closeQuietly(upstream);
                    pairs.remove(this);
                  }
                }
              },
              "cutting-proxy-" + name);
      t.setDaemon(true);
      t.start();
    }

    synchronized boolean reset() {
      if (cut) {
        return false;
      }
      cut = true;
      CuttingProxy.reset(client);
      CuttingProxy.reset(upstream);
      return true;
    }
  }

  /** Closes with SO_LINGER 0: the peer gets an RST, not a FIN. */
  static void reset(Socket s) {
    try {
      s.setSoLinger(true, 0);
    } catch (SocketException e) {
      // already closed
    }
    closeQuietly(s);
  }

  static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // nothing left to do
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    for (Pair p : pairs) {
      p.reset();
    }
  }
}
