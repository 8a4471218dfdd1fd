package dev.ferry.testkit;

import dev.ferry.tunnel.Protocol;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the load balancer in front of several gateway instances (Cloud Run with session
 * affinity, ingress-nginx with {@code affinity: cookie}): on 127.0.0.1, it reads each new
 * connection's request head, sends it to the backend its cookie {@value #COOKIE}{@code =N} names,
 * else to the next backend in turn (with two, never the one the previous newcomer got), adds {@code
 * Set-Cookie: ferry-test-affinity=N; Path=/; HttpOnly} to that backend's answer when the request
 * had no such cookie, then relays bytes both ways. {@link #cut} resets every connection it carries,
 * as Cloud Run does to a WebSocket at its request timeout. Plain HTTP only.
 *
 * <pre>
 * AffinityBalancer lb = fx.closeAfter(AffinityBalancer.start(gw0.port(), gw1.port()));
 * ... connect to lb.port() ...
 * lb.cut();
 * lb.routed();   // where each connection went, and why
 * </pre>
 */
public final class AffinityBalancer implements AutoCloseable {
  public static final String COOKIE = "ferry-test-affinity";

  /** Two relay threads per connection; a connection beyond the bound is reset. */
  private static final int MAX_THREADS = 64;

  private static final int HEAD_TIMEOUT_MS = 90_000;

  /**
   * Where one connection went.
   *
   * @param backend index of the backend (the order given to {@link #start})
   * @param byCookie true if the request's cookie chose it, false if the turn did
   * @param resume true if the request carried {@code Ferry-Resume}
   * @param path the request's path
   */
  public record Routed(int backend, boolean byCookie, boolean resume, String path) {}

  private final ServerSocket server;
  private final List<Integer> backends;
  private final List<Routed> routed = new CopyOnWriteArrayList<>();

  /** Connections being relayed: client side to backend side. */
  private final Map<Socket, Socket> live = new ConcurrentHashMap<>();

  private final AtomicInteger turn = new AtomicInteger(-1);
  private final ThreadPoolExecutor threads =
      new ThreadPoolExecutor(
          0,
          MAX_THREADS,
          10,
          TimeUnit.SECONDS,
          new SynchronousQueue<>(),
          r -> {
            Thread t = new Thread(r, "affinity-balancer");
            t.setDaemon(true);
            return t;
          });
  private volatile String attributes = "Path=/; HttpOnly";
  private volatile boolean closed;

  private AffinityBalancer(List<Integer> backends) throws IOException {
    this.backends = List.copyOf(backends);
    this.server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    Thread t = new Thread(this::acceptLoop, "affinity-balancer-" + port());
    t.setDaemon(true);
    t.start();
  }

  /** Balances over 127.0.0.1:{@code ports}, backend i being {@code ports[i]}. */
  public static AffinityBalancer start(int... ports) throws IOException {
    return new AffinityBalancer(java.util.Arrays.stream(ports).boxed().toList());
  }

  public int port() {
    return server.getLocalPort();
  }

  /**
   * The attributes of the cookie it sets from now on (default {@code Path=/; HttpOnly}), e.g.
   * {@code Path=/; Secure} to check that a client sends a Secure cookie over TLS only.
   */
  public void cookieAttributes(String attributes) {
    this.attributes = attributes;
  }

  /** Every connection routed so far, in order of arrival of their request heads. */
  public List<Routed> routed() {
    return List.copyOf(routed);
  }

  /** Resets every connection being relayed, both sides; returns how many client sides it cut. */
  public int cut() {
    int n = 0;
    for (Socket client : live.keySet()) {
      if (drop(client)) {
        n++;
      }
    }
    return n;
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;
      }
      try {
        threads.execute(() -> route(client));
      } catch (RejectedExecutionException e) {
        CuttingProxy.reset(client);
      }
    }
  }

  /** Reads the head, picks the backend, relays the answer's head (cookie added) and then bytes. */
  private void route(Socket client) {
    Socket backend = new Socket();
    try {
      client.setTcpNoDelay(true);
      client.setSoTimeout(HEAD_TIMEOUT_MS);
      byte[] head = CuttingProxy.readHead(client.getInputStream());
      String text = new String(head, StandardCharsets.ISO_8859_1);
      Integer chosen = cookieBackend(text);
      boolean byCookie = chosen != null;
      int index = byCookie ? chosen : Math.floorMod(turn.incrementAndGet(), backends.size());
      backend.setTcpNoDelay(true);
      backend.connect(new InetSocketAddress("127.0.0.1", backends.get(index)), 5000);
      backend.setSoTimeout(HEAD_TIMEOUT_MS);
      live.put(client, backend);
      if (closed) {
        throw new IOException("closed");
      }
      backend.getOutputStream().write(head);
      routed.add(new Routed(index, byCookie, isResume(text), path(text)));
      byte[] answer = CuttingProxy.readHead(backend.getInputStream());
      if (!byCookie) {
        answer = withCookie(answer, COOKIE + "=" + index + "; " + attributes);
      }
      client.getOutputStream().write(answer);
      client.setSoTimeout(0);
      backend.setSoTimeout(0);
      AtomicInteger ended = new AtomicInteger();
      threads.execute(() -> pump(backend, client, client, ended));
      pump(client, backend, client, ended);
    } catch (IOException | RuntimeException e) {
      live.remove(client);
      CuttingProxy.reset(client);
      CuttingProxy.reset(backend);
    }
  }

  /** Resets both sides of the connection {@code client} started; false if already gone. */
  private boolean drop(Socket client) {
    Socket backend = live.remove(client);
    if (backend == null) {
      return false;
    }
    CuttingProxy.reset(client);
    CuttingProxy.reset(backend);
    return true;
  }

  /** Copies one direction; the second direction to end closes the connection. */
  private void pump(Socket from, Socket to, Socket client, AtomicInteger ended) {
    byte[] buf = new byte[64 * 1024];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
      }
      to.shutdownOutput();
    } catch (IOException e) {
      // cut, or one side went away: take both down
      drop(client);
    } finally {
      if (ended.incrementAndGet() == 2 && live.remove(client) != null) {
        CuttingProxy.closeQuietly(client);
        CuttingProxy.closeQuietly(to == client ? from : to);
      }
    }
  }

  /** The backend our cookie names, or null when the request has none (or a foreign value). */
  private Integer cookieBackend(String head) {
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon < 0 || !line.substring(0, colon).trim().equalsIgnoreCase("Cookie")) {
        continue;
      }
      for (String pair : line.substring(colon + 1).split(";")) {
        String[] kv = pair.trim().split("=", 2);
        if (kv.length == 2 && kv[0].equals(COOKIE)) {
          try {
            int i = Integer.parseInt(kv[1].trim());
            return i >= 0 && i < backends.size() ? i : null;
          } catch (NumberFormatException e) {
            return null;
          }
        }
      }
    }
    return null;
  }

  private static boolean isResume(String head) {
    return head.toLowerCase(Locale.ROOT)
        .contains("\r\n" + Protocol.RESUME_HEADER.toLowerCase(Locale.ROOT) + ":");
  }

  private static String path(String head) {
    String[] first = head.substring(0, head.indexOf("\r\n")).split(" ");
    return first.length > 1 ? first[1] : "";
  }

  /** The head with one more header line before its closing blank line. */
  private static byte[] withCookie(byte[] head, String cookie) {
    String text = new String(head, StandardCharsets.ISO_8859_1);
    String withLine =
        text.substring(0, text.length() - 2) + "Set-Cookie: " + cookie + "\r\n" + "\r\n";
    return withLine.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    cut();
    threads.shutdownNow();
  }
}
