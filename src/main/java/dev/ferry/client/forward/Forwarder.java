package dev.ferry.client.forward;

import dev.ferry.client.auth.TokenException;
import dev.ferry.client.auth.TokenSource;
import dev.ferry.client.tunnel.TokenRenewer;
import dev.ferry.client.tunnel.Tunnel;
import dev.ferry.client.tunnel.TunnelConnector;
import dev.ferry.client.tunnel.TunnelRefusedException;
import dev.ferry.tunnel.Frame;
import dev.ferry.tunnel.TunnelError;
import dev.ferry.tunnel.relay.Relay;
import dev.ferry.tunnel.relay.RelayListener;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local TCP listener (127.0.0.1 by default) that carries every accepted connection through its
 * own tunnel to one proxy.
 *
 * <pre>
 * Forwarder f = new Forwarder(connector, "orders-db", tokens, "127.0.0.1", 0, listener);
 * int port = f.start();
 * ...
 * f.close();
 * </pre>
 */
public final class Forwarder implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Forwarder.class);

  /**
   * How long {@link #close} waits for the gateway to answer its close frames (a relay cuts an
   * unanswered one after about as long).
   */
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

  private final TunnelConnector connector;
  private final String proxy;
  private final TokenSource tokens;
  private final InetSocketAddress bindAddress;
  private final ForwarderListener listener;
  private final ExecutorService tokenThreads;
  private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final AtomicInteger active = new AtomicInteger();
  private final AtomicLong total = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong limited = new AtomicLong();
  private final int maxConnections;
  private final AtomicLong bytesUp = new AtomicLong();
  private final AtomicLong bytesDown = new AtomicLong();
  private final AtomicLong resumes = new AtomicLong();
  private final Map<Channel, Live> live = new ConcurrentHashMap<>();
  private final Clock clock = Clock.systemUTC();
  private volatile Duration lastRtt;
  private volatile InetSocketAddress onlyPeer;
  private Channel server;

  /**
   * @param host address to listen on; must be a loopback address (127.0.0.0/8 or ::1)
   * @param port port to listen on, 0 for a free one
   */
  public Forwarder(
      TunnelConnector connector,
      String proxy,
      TokenSource tokens,
      String host,
      int port,
      ForwarderListener listener) {
    this(connector, proxy, tokens, host, port, 0, listener);
  }

  /**
   * @param maxConnections how many local connections may be open at once, 0 for no limit; one more
   *     is accepted and closed at once (counted in {@link ForwarderStats#limitedConnections()} and
   *     reported through {@link ForwarderListener#connectionLimited}), never queued
   */
  public Forwarder(
      TunnelConnector connector,
      String proxy,
      TokenSource tokens,
      String host,
      int port,
      int maxConnections,
      ForwarderListener listener) {
    if (maxConnections < 0) {
      throw new IllegalArgumentException("maxConnections must be 0 (no limit) or more");
    }
    InetAddress address = loopback(host);
    this.maxConnections = maxConnections;
    this.connector = connector;
    this.proxy = proxy;
    this.tokens = tokens;
    this.bindAddress = new InetSocketAddress(address, port);
    this.listener = listener == null ? ForwarderListener.NONE : listener;
    this.tokenThreads =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "ferry-token");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * The loopback address {@code host} names. Anything else is refused: whoever can reach a
   * forwarder acts with its user's identity, so it never listens beyond this machine. Any address
   * of 127.0.0.0/8 and ::1 is allowed (several forwarders may then share a port number).
   *
   * @throws IllegalArgumentException naming the address and why it is refused
   */
  public static InetAddress loopback(String host) {
    InetAddress address;
    try {
      address = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("cannot listen on " + host + ": unknown host");
    }
    if (!address.isLoopbackAddress()) {
      throw new IllegalArgumentException(
          "refusing to listen on "
              + host
              + ": not a loopback address (use 127.0.0.1 or ::1); anyone reaching it would act as"
              + " you");
    }
    return address;
  }

  /** Starts listening; returns the bound port. */
  public synchronized int start() throws InterruptedException {
    if (server != null) {
      throw new IllegalStateException("already started");
    }
    ServerBootstrap b =
        new ServerBootstrap()
            .group(connector.group())
            .channel(connector.transport().serverChannel())
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, Relay.WATER_MARK)
            .childOption(ChannelOption.RCVBUF_ALLOCATOR, Relay.tcpRecvAllocator())
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    channels.add(ch);
                    accepted(ch);
                  }
                });
    server = b.bind(bindAddress).sync().channel();
    channels.add(server);
    return port();
  }

  /**
   * Accepts only the local connection that comes from {@code peer} (address and port); any other is
   * closed at once, before a token is asked for or a tunnel opened, and reported as a {@link
   * ForwarderListener#warning}. For a forwarder whose one client is a socket of this process, bound
   * before it connects ({@code ferry stdio}): another local process racing it to the port gets
   * nothing. Call before {@link #start}.
   */
  public void acceptOnlyFrom(InetSocketAddress peer) {
    this.onlyPeer = peer;
  }

  /** The bound port (after {@link #start}). */
  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  public String proxy() {
    return proxy;
  }

  public ForwarderStats stats() {
    return new ForwarderStats(
        active.get(),
        total.get(),
        refused.get(),
        bytesUp.get(),
        bytesDown.get(),
        limited.get(),
        maxConnections,
        resumingConnections());
  }

  /** How many local connections are held right now while their dropped tunnel is resumed. */
  public int resumingConnections() {
    int n = 0;
    for (Live l : live.values()) {
      if (l.resuming) {
        n++;
      }
    }
    return n;
  }

  /** How many times a dropped WebSocket under one of this forwarder's connections was resumed. */
  public long resumes() {
    return resumes.get();
  }

  /**
   * The most unacknowledged bytes any live connection's replay buffer held (bounded by {@link
   * Relay#REPLAY_CAP} plus one DATA frame).
   */
  public long replayPeak() {
    long peak = 0;
    for (Live l : live.values()) {
      Relay r = l.relay;
      if (r != null) {
        peak = Math.max(peak, r.replayPeak());
      }
    }
    return peak;
  }

  /**
   * The most DATA bytes from the gateway that waited for any live local connection to take them
   * (bounded by the flow-control window plus one DATA frame).
   */
  public long pendingPeak() {
    long peak = 0;
    for (Live l : live.values()) {
      Relay r = l.relay;
      if (r != null) {
        peak = Math.max(peak, r.pendingPeak());
      }
    }
    return peak;
  }

  /**
   * The local connections open right now, oldest first: a thread-safe snapshot for a UI to sample.
   */
  public List<ConnectionSnapshot> connections() {
    return live.values().stream()
        .map(Live::snapshot)
        .sorted(
            Comparator.comparing(ConnectionSnapshot::since)
                .thenComparingInt(ConnectionSnapshot::clientPort))
        .toList();
  }

  /**
   * The round trip to the gateway last measured by a tunnel's keepalive ping, or null before any
   * pong arrived. Kept after the tunnels close, so it reads as "last known".
   */
  public Duration lastRtt() {
    Live newest = null;
    for (Live l : live.values()) {
      Tunnel t = l.tunnel;
      if (t != null && t.lastRtt() != null && (newest == null || l.since.isAfter(newest.since))) {
        newest = l;
      }
    }
    if (newest != null) {
      lastRtt = newest.tunnel.lastRtt();
    }
    return lastRtt;
  }

  /** A live local connection's counters, updated on its event loop, read from any thread. */
  private static final class Live {
    final int clientPort;
    final Instant since;
    final AtomicLong up = new AtomicLong();
    final AtomicLong down = new AtomicLong();
    volatile Tunnel tunnel;
    volatile Relay relay;
    volatile boolean resuming;
    final AtomicInteger resumes = new AtomicInteger();

    Live(int clientPort, Instant since) {
      this.clientPort = clientPort;
      this.since = since;
    }

    ConnectionSnapshot snapshot() {
      return new ConnectionSnapshot(
          clientPort,
          since,
          up.get(),
          down.get(),
          resuming
              ? ConnectionSnapshot.State.RESUMING
              : tunnel == null ? ConnectionSnapshot.State.OPENING : ConnectionSnapshot.State.OPEN,
          resumes.get());
    }
  }

  private void accepted(Channel local) {
    InetSocketAddress from = (InetSocketAddress) local.remoteAddress();
    int localPort = from.getPort();
    InetSocketAddress only = onlyPeer;
    if (only != null && !only.equals(from)) {
      listener.warning(
          "refused a connection from "
              + from.getAddress().getHostAddress()
              + ":"
              + localPort
              + ": this forwarder serves only its own client");
      local.close();
      return;
    }
    if (!reserveSlot()) {
      limited.incrementAndGet();
      listener.connectionLimited(localPort, "limit of " + maxConnections + " connections reached");
      local.close();
      return;
    }
    Live l = new Live(localPort, clock.instant());
    live.put(local, l);
    local
        .closeFuture()
        .addListener(
            f -> {
              Live gone = live.remove(local);
              Tunnel t = gone == null ? null : gone.tunnel;
              if (t != null && t.lastRtt() != null) {
                lastRtt = t.lastRtt();
              }
            });
    total.incrementAndGet();
    listener.connectionOpened(localPort);
    open(local, l, false);
  }

  /** Counts a new connection as active unless the limit is reached. */
  private boolean reserveSlot() {
    while (true) {
      int now = active.get();
      if (maxConnections > 0 && now >= maxConnections) {
        return false;
      }
      if (active.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  private void open(Channel local, Live l, boolean retried) {
    // A token already in memory opens the tunnel right here on the event loop; only a source that
    // may block (renewal, a command, a file) is asked on a token thread.
    String ready = tokens.tokenIfReady();
    CompletableFuture<String> token =
        ready != null ? CompletableFuture.completedFuture(ready) : tokenOffLoop();
    token
        .thenCompose(
            t ->
                connector
                    .openResumable(proxy, t, local.eventLoop())
                    .whenComplete(
                        (tunnel, e) -> {
                          if (e != null && !retried && isTokenRefusal(e)) {
                            tokens.invalidate(t);
                          }
                        }))
        .whenComplete(
            (tunnel, error) ->
                local.eventLoop().execute(() -> opened(local, l, retried, tunnel, error)));
  }

  private CompletableFuture<String> tokenOffLoop() {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return tokens.token();
          } catch (TokenException e) {
            throw new CompletionException(e);
          }
        },
        tokenThreads);
  }

  private static boolean isTokenRefusal(Throwable e) {
    Throwable c = unwrap(e);
    return c instanceof TunnelRefusedException r
        && (r.error() == TunnelError.UNAUTHENTICATED || r.error() == TunnelError.TOKEN_EXPIRED);
  }

  private static Throwable unwrap(Throwable e) {
    while (e instanceof CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  private void opened(Channel local, Live l, boolean retried, Tunnel tunnel, Throwable error) {
    int localPort = l.clientPort;
    if (error != null) {
      if (!retried && isTokenRefusal(error) && local.isActive()) {
        open(local, l, true);
        return;
      }
      Throwable c = unwrap(error);
      TunnelError te;
      String detail;
      if (c instanceof TunnelRefusedException r) {
        te = r.error();
        detail = r.detail();
      } else if (c instanceof TokenException) {
        te = TunnelError.UNAUTHENTICATED;
        detail = "no token from " + tokens.describe() + ": " + c.getMessage();
      } else {
        te = TunnelError.INTERNAL;
        detail = String.valueOf(c);
      }
      refused.incrementAndGet();
      active.decrementAndGet();
      listener.connectionRefused(localPort, l.since, te, detail);
      local.close();
      return;
    }
    if (!local.isActive()) {
      tunnel.close();
      active.decrementAndGet();
      listener.connectionClosed(localPort, l.since, 0, 0, "client-closed");
      return;
    }
    ForwardedConnection conn = new ForwardedConnection(l, tunnel);
    conn.drop = DropCause.watch(tunnel.channel());
    conn.relay = tunnel.startRelay(local, conn, true);
    conn.renewer =
        new TokenRenewer(
            local.eventLoop(),
            tokens,
            tokenThreads,
            clock,
            tunnel.channel().alloc(),
            conn.relay::sendControl,
            listener::warning,
            proxy);
    conn.renewer.start(tunnel.session().tokenExpiresAt());
    conn.counters.tunnel = tunnel;
    conn.counters.relay = conn.relay;
    channels.add(tunnel.channel());
    local.closeFuture().addListener(f -> conn.maybeEnd());
    tunnel.channel().closeFuture().addListener(f -> conn.maybeEnd());
  }

  /** One relayed local connection: counts bytes and decides how it ends. */
  private final class ForwardedConnection implements RelayListener {
    final Live counters;
    final Tunnel first;
    Relay relay;
    TokenRenewer renewer;
    DropCause drop;
    long up;
    long down;
    String reason;
    boolean ended;

    ForwardedConnection(Live counters, Tunnel first) {
      this.counters = counters;
      this.first = first;
    }

    @Override
    public void tunnelLost() {
      String why = drop == null ? "closed without a close frame" : drop.describe();
      log.debug("tunnel to {} lost ({}); resuming", proxy, why);
      long lostAt = System.nanoTime();
      counters.resuming = true;
      listener.connectionInterrupted(counters.clientPort, why);
      new TunnelResumer(
              connector,
              proxy,
              tokens,
              tokenThreads,
              relay,
              first.session().sessionId(),
              Duration.ofMillis(first.session().resumeWindowMs()),
              new TunnelResumer.Outcome() {
                @Override
                public void resumed(Tunnel tunnel, int attempts) {
                  resumes.incrementAndGet();
                  counters.tunnel = tunnel;
                  counters.resumes.incrementAndGet();
                  counters.resuming = false;
                  drop = DropCause.watch(tunnel.channel());
                  channels.add(tunnel.channel());
                  tunnel.channel().closeFuture().addListener(f -> maybeEnd());
                  listener.connectionResumed(
                      counters.clientPort, Duration.ofNanos(System.nanoTime() - lostAt), attempts);
                }

                @Override
                public void failed(TunnelError error, String detail) {
                  reason(error.tag() + ": " + detail);
                  counters.resuming = false;
                  listener.resumeFailed(counters.clientPort, detail);
                  relay.closeTunnel(1001, detail);
                }
              })
          .start();
    }

    @Override
    public void bytesFromTcp(int bytes) {
      up += bytes;
      counters.up.addAndGet(bytes);
      bytesUp.addAndGet(bytes);
    }

    @Override
    public void bytesFromTunnel(int bytes) {
      down += bytes;
      counters.down.addAndGet(bytes);
      bytesDown.addAndGet(bytes);
    }

    @Override
    public void controlFrame(Frame frame) {
      if (renewer != null && renewer.onFrame(frame)) {
        return;
      }
      if (frame instanceof Frame.Notice n) {
        listener.notice(n.message());
      }
    }

    @Override
    public void bothDirectionsDone() {
      reason("completed");
      relay.closeTcp();
    }

    @Override
    public void tcpClosed(Throwable cause) {
      reason(cause == null ? "client-closed" : "client-closed: " + cause.getMessage());
      log.debug("local connection failed", cause);
      relay.closeTunnel(1001, "client went away");
    }

    @Override
    public void tunnelClosed(int code, String why) {
      if (code == 1000) {
        reason("completed");
      } else {
        TunnelError e = TunnelError.fromCloseCode(code);
        reason(
            code < 0
                ? "gateway connection lost"
                : (e != null ? e.tag() : "closed " + code)
                    + (why == null || why.isEmpty() ? "" : ": " + why));
      }
      relay.closeTcp();
    }

    @Override
    public void protocolError(String message) {
      reason("protocol-error: " + message);
      relay.closeTunnel(TunnelError.PROTOCOL_ERROR.closeCode(), message);
    }

    private void reason(String r) {
      if (reason == null) {
        reason = r;
      }
    }

    void maybeEnd() {
      if (ended || relay.webSocket().isOpen() || relay.tcp().isOpen()) {
        return;
      }
      ended = true;
      renewer.stop();
      active.decrementAndGet();
      reason("completed");
      log.debug("connection to {} ended: {}", proxy, reason);
      listener.connectionClosed(counters.clientPort, counters.since, up, down, reason);
    }
  }

  /** Stops listening and closes every connection and tunnel. */
  @Override
  public void close() {
    // Close frames first, and a short wait for the gateway's answers: a gateway that only saw the
    // connections drop would hold the sessions for a resume until its window ends.
    List<Future<Channel>> closing = new ArrayList<>();
    for (Live l : live.values()) {
      Relay r = l.relay;
      if (r != null) {
        try {
          closing.add(
              r.tcp()
                  .eventLoop()
                  .submit(
                      () -> {
                        r.closeTunnel(1001, "the forwarder was closed");
                        return r.webSocket();
                      }));
        } catch (RejectedExecutionException loopGone) {
          // the connector was closed first: nothing left to say goodbye with
        }
      }
    }
    long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
    for (Future<Channel> f : closing) {
      if (f.awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
          && f.isSuccess()) {
        f.getNow()
            .closeFuture()
            .awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      }
    }
    channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    tokenThreads.shutdownNow();
  }
}
