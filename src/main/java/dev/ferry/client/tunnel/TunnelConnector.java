package dev.ferry.client.tunnel;

import dev.ferry.client.net.GatewayCookies;
import dev.ferry.client.net.ProxyHandlers;
import dev.ferry.client.net.ProxySettings;
import dev.ferry.client.tls.ClientTls;
import dev.ferry.tunnel.Protocol;
import dev.ferry.tunnel.TunnelError;
import dev.ferry.tunnel.net.DaemonThreadFactory;
import dev.ferry.tunnel.net.Transport;
import dev.ferry.tunnel.relay.Relay;
import dev.ferry.tunnel.ws.SlicingClientHandshaker;
import dev.ferry.tunnel.ws.SlicingFrameDecoder;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.proxy.HttpProxyHandler;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Opens tunnels to one gateway: one WebSocket connection per tunnel, {@code Authorization: Bearer}
 * on the upgrade, subprotocol ferry.v1, SESSION expected first. Refusals fail the future with a
 * {@link TunnelRefusedException} carrying the gateway's reason.
 *
 * <pre>
 * try (TunnelConnector c = new TunnelConnector(GatewayEndpoint.parse(url), ClientTls.create(ca))) {
 *   Tunnel t = c.open("orders-db", token).get();
 * }
 * </pre>
 */
public final class TunnelConnector implements AutoCloseable {
  /** Longest wait for the TCP (and TLS) connection to the gateway. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Longest wait for the answer to the upgrade: the gateway connects upstream first, whose own
   * timeout defaults to 10 s.
   */
  public static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(60);

  private static final int MAX_REFUSAL_BODY = 64 * 1024;

  private final GatewayEndpoint endpoint;
  private final ClientTls tls;
  private final Transport transport;
  private final EventLoopGroup group;
  private final boolean ownsGroup;
  private final ProxySettings proxies;
  private final GatewayCookies cookies;
  private volatile Duration keepalive = Protocol.KEEPALIVE_INTERVAL;
  private volatile String clientInstance = ClientInstance.process();

  /** A connector with its own event loop group (one thread, daemon). */
  public TunnelConnector(GatewayEndpoint endpoint, ClientTls tlsOrNull) {
    this(endpoint, tlsOrNull, Transport.best(), null);
  }

  /**
   * A connector on a shared group; {@code transport} must be the one the group was made with. The
   * group is not shut down by {@link #close}.
   */
  public TunnelConnector(
      GatewayEndpoint endpoint, ClientTls tlsOrNull, Transport transport, EventLoopGroup group) {
    this(endpoint, tlsOrNull, transport, group, ProxySettings.fromEnvironment());
  }

  /**
   * A connector that reaches the gateway as {@code proxies} says (the others take them from the
   * environment: HTTPS_PROXY, HTTP_PROXY, NO_PROXY).
   *
   * @param group a shared group, or null for an own one (one thread, daemon)
   */
  public TunnelConnector(
      GatewayEndpoint endpoint,
      ClientTls tlsOrNull,
      Transport transport,
      EventLoopGroup group,
      ProxySettings proxies) {
    this(endpoint, tlsOrNull, transport, group, proxies, new GatewayCookies());
  }

  /**
   * A connector that keeps the gateway's cookies in {@code cookies}: pass the jar the gateway's
   * {@code GatewayApi} uses, so a load balancer's affinity cookie set on either is sent by both.
   *
   * @param group a shared group, or null for an own one (one thread, daemon)
   */
  public TunnelConnector(
      GatewayEndpoint endpoint,
      ClientTls tlsOrNull,
      Transport transport,
      EventLoopGroup group,
      ProxySettings proxies,
      GatewayCookies cookies) {
    this.proxies = proxies;
    this.cookies = cookies;
    if (endpoint.tls() && tlsOrNull == null) {
      throw new IllegalArgumentException("an https gateway needs a ClientTls");
    }
    this.endpoint = endpoint;
    this.tls = tlsOrNull;
    this.transport = transport;
    this.ownsGroup = group == null;
    this.group =
        group != null ? group : transport.newGroup(1, DaemonThreadFactory.named("ferry-tunnel"));
  }

  public GatewayEndpoint endpoint() {
    return endpoint;
  }

  public Transport transport() {
    return transport;
  }

  public EventLoopGroup group() {
    return group;
  }

  /**
   * The gateway's cookies: what its load balancer set on any answer (101 or refusal), sent with
   * every tunnel open and resume so a resume reaches the instance that holds its session.
   */
  public GatewayCookies cookies() {
    return cookies;
  }

  /** Changes the keepalive ping interval of tunnels opened from now on (tests). */
  public void keepaliveInterval(Duration interval) {
    this.keepalive = interval;
  }

  /**
   * Sends {@code id} as {@code Ferry-Client-Instance} from now on instead of this process's {@link
   * ClientInstance#process() id}; null sends none, as an older client. For tests that play a second
   * client process (or an older or broken one) in one JVM.
   */
  public void clientInstance(String id) {
    this.clientInstance = id;
  }

  /** Opens a tunnel on any of the group's event loops. */
  public CompletableFuture<Tunnel> open(String proxy, String token) {
    return open(proxy, token, group.next());
  }

  /**
   * Opens a tunnel on {@code loop} (use the loop of the TCP channel it will relay). Completes on
   * that loop with the tunnel once SESSION arrived, or fails with {@link TunnelRefusedException}.
   */
  public CompletableFuture<Tunnel> open(String proxy, String token, EventLoop loop) {
    return open(proxy, token, loop, new DefaultHttpHeaders());
  }

  /**
   * Like {@link #open(String, String, EventLoop)}, for a caller that will resume the tunnel when
   * its WebSocket drops ({@link Tunnel#resumeRelay}): the gateway then keeps the session for its
   * resume window instead of ending it.
   */
  public CompletableFuture<Tunnel> openResumable(String proxy, String token, EventLoop loop) {
    return open(proxy, token, loop, new DefaultHttpHeaders().set(Protocol.RESUMABLE_HEADER, "1"));
  }

  /**
   * Resumes session {@code sessionId} (whose WebSocket dropped) on a new connection on {@code
   * loop}, telling the gateway that {@code received} DATA bytes arrived here. The tunnel's {@link
   * Tunnel#peerReceived} is the gateway's count; {@link Tunnel#resumeRelay} continues the relay.
   */
  public CompletableFuture<Tunnel> resume(
      String proxy, String token, EventLoop loop, String sessionId, long received) {
    HttpHeaders resume =
        new DefaultHttpHeaders()
            .set(Protocol.RESUMABLE_HEADER, "1")
            .set(Protocol.RESUME_HEADER, sessionId)
            .set(Protocol.RECEIVED_HEADER, Long.toString(received));
    return open(proxy, token, loop, resume);
  }

  private CompletableFuture<Tunnel> open(
      String proxy, String token, EventLoop loop, HttpHeaders headers) {
    CompletableFuture<Tunnel> result = new CompletableFuture<>();
    if (token != null) {
      headers.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
    }
    String instance = clientInstance;
    if (instance != null) {
      headers.set(Protocol.CLIENT_INSTANCE_HEADER, instance);
    }
    URI uri = endpoint.tunnelUri(proxy);
    String cookie = cookies.header(uri);
    if (cookie != null) {
      // For the load balancer in front (affinity); the gateway ignores it.
      headers.set(HttpHeaderNames.COOKIE, cookie);
    }
    // Masks, no extensions, no Origin (native clients send none; the gateway refuses foreign ones).
    WebSocketClientHandshaker handshaker =
        new SlicingClientHandshaker(uri, Protocol.SUBPROTOCOL, headers, Protocol.MAX_MESSAGE_SIZE);
    String host = endpoint.host();
    Duration interval = keepalive;
    ProxySettings.HttpProxy via = proxies.route(endpoint.tunnelUri(proxy)).proxy();
    HttpProxyHandler proxyHandler;
    try {
      proxyHandler = via == null ? null : ProxyHandlers.connectHandler(via);
    } catch (UnknownHostException e) {
      result.completeExceptionally(
          new TunnelRefusedException(
              TunnelError.GATEWAY_UNREACHABLE, ProxyHandlers.failure(via, destination(), e)));
      return result;
    }
    Bootstrap bootstrap =
        new Bootstrap()
            .group(loop)
            .channel(transport.socketChannel())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT.toMillis())
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Relay.WATER_MARK)
            .option(ChannelOption.RCVBUF_ALLOCATOR, SlicingFrameDecoder.recvAllocator())
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ChannelPipeline p = ch.pipeline();
                    if (proxyHandler != null) {
                      addProxy(p, proxyHandler, via, result);
                    }
                    if (tls != null) {
                      p.addLast("tls", tls.netty().newHandler(ch.alloc(), host, endpoint.port()));
                    }
                    p.addLast("http", new HttpClientCodec());
                    p.addLast("aggregator", new HttpObjectAggregator(MAX_REFUSAL_BODY));
                    p.addLast(
                        "handshake",
                        new ClientHandshakeHandler(
                            handshaker,
                            afterProxy(result, proxyHandler, loop),
                            host,
                            interval,
                            setCookies -> cookies.received(uri, setCookies)));
                  }
                });
    ChannelFuture connect = connect(bootstrap, via);
    connect.addListener(
        f -> {
          if (!f.isSuccess()) {
            result.completeExceptionally(
                new TunnelRefusedException(
                    TunnelError.GATEWAY_UNREACHABLE,
                    via == null
                        ? connectFailure(f.cause())
                        : ProxyHandlers.failure(via, destination(), f.cause())));
          }
        });
    ScheduledFuture<?> timeout =
        loop.schedule(
            () -> {
              if (result.completeExceptionally(
                  new TunnelRefusedException(
                      TunnelError.GATEWAY_UNREACHABLE,
                      "gateway "
                          + host
                          + " did not answer within "
                          + HANDSHAKE_TIMEOUT.toSeconds()
                          + "s"))) {
                connect.channel().close();
              }
            },
            HANDSHAKE_TIMEOUT.toMillis(),
            TimeUnit.MILLISECONDS);
    result.whenComplete((t, e) -> timeout.cancel(false));
    return result;
  }

  /**
   * Connects directly, or, through a proxy, to the gateway's unresolved address: the proxy handler
   * connects to the proxy and the proxy resolves the gateway's name.
   */
  private ChannelFuture connect(Bootstrap b, ProxySettings.HttpProxy via) {
    if (via == null) {
      return b.connect(endpoint.host(), endpoint.port());
    }
    return b.resolver(NoopAddressResolverGroup.INSTANCE)
        .connect(InetSocketAddress.createUnresolved(endpoint.host(), endpoint.port()));
  }

  /**
   * Puts the CONNECT handler first (TLS and WebSocket then run through the proxy's tunnel); a
   * refused CONNECT fails the tunnel with a reason naming the proxy before anything else does.
   */
  private void addProxy(
      ChannelPipeline p,
      HttpProxyHandler handler,
      ProxySettings.HttpProxy via,
      CompletableFuture<Tunnel> result) {
    p.addLast("proxy", handler);
    p.addLast("proxy-failure", ProxyHandlers.REPORTED_FAILURES);
    handler
        .connectFuture()
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                result.completeExceptionally(
                    new TunnelRefusedException(
                        TunnelError.GATEWAY_UNREACHABLE,
                        ProxyHandlers.failure(via, destination(), f.cause())));
              }
            });
  }

  /**
   * Where the handshake handler reports: {@code result} itself without a proxy. With one, its
   * failures wait one turn of the loop: a refused CONNECT first fails the writes queued behind it
   * (TLS would report a handshake failure) and only then the proxy's own future, whose reason names
   * the proxy and should win.
   */
  private static CompletableFuture<Tunnel> afterProxy(
      CompletableFuture<Tunnel> result, HttpProxyHandler proxyHandler, EventLoop loop) {
    if (proxyHandler == null) {
      return result;
    }
    CompletableFuture<Tunnel> handshake = new CompletableFuture<>();
    handshake.whenComplete(
        (tunnel, error) -> {
          if (error == null) {
            result.complete(tunnel);
          } else {
            loop.execute(() -> result.completeExceptionally(error));
          }
        });
    return handshake;
  }

  private String destination() {
    return (endpoint.host().contains(":") ? "[" + endpoint.host() + "]" : endpoint.host())
        + ":"
        + endpoint.port();
  }

  /** How this connector reaches its gateway (direct or which proxy, and why). */
  public ProxySettings.Route route() {
    return proxies.route(endpoint.tunnelUri("x"));
  }

  /** Worded like {@code GatewayApi}'s failures, so `ferry stdio` and `ferry list` read the same. */
  private String connectFailure(Throwable cause) {
    String where = endpoint.host() + ":" + endpoint.port();
    if (cause instanceof ConnectTimeoutException) {
      return "gateway unreachable: " + where + " timed out";
    }
    if (cause instanceof UnknownHostException) {
      return "gateway unreachable: unknown host " + endpoint.host();
    }
    if (cause instanceof ConnectException) {
      return "gateway unreachable: connection refused by " + where;
    }
    return "gateway unreachable: " + where + ": " + cause.getMessage();
  }

  @Override
  public void close() {
    if (ownsGroup) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
