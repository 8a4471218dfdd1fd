package dev.ferry.gateway.server;

import dev.ferry.gateway.audit.AuditRecord;
import dev.ferry.gateway.auth.VerifiedIdentity;
import dev.ferry.gateway.config.ProxyConfig;
import dev.ferry.gateway.config.Target;
import dev.ferry.gateway.metrics.GatewayMetrics;
import dev.ferry.gateway.policy.ProxyPolicy;
import dev.ferry.gateway.policy.SessionLimiter;
import dev.ferry.gateway.session.EndedSessions;
import dev.ferry.gateway.session.TunnelSession;
import dev.ferry.tunnel.FrameCodec;
import dev.ferry.tunnel.Protocol;
import dev.ferry.tunnel.TunnelError;
import dev.ferry.tunnel.relay.Relay;
import dev.ferry.tunnel.ws.SlicingServerHandshaker;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a tunnel: checks the upgrade request, the token, the proxy's rules and limits, connects the
 * upstream on this channel's event loop, and only then completes the WebSocket upgrade and starts
 * the relay. Until every check passed nothing is resolved or connected, and nothing more is read
 * from the client.
 */
@Sharable
public final class TunnelHandshakeHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger log = LoggerFactory.getLogger(TunnelHandshakeHandler.class);
  private static final Pattern PROXY_NAME = Pattern.compile("[a-z0-9-]{1,63}");
  private static final Pattern CLIENT_INSTANCE = Pattern.compile(Protocol.CLIENT_INSTANCE_PATTERN);

  private final GatewayContext gw;
  private final WebSocketDecoderConfig decoderConfig = WebSocketLimits.SERVER_DECODER;
  private final ChannelInitializer<Channel> upstreamInitializer = new UpstreamInitializer();

  public TunnelHandshakeHandler(GatewayContext gw) {
    super(false);
    this.gw = gw;
  }

  /** What is known about one tunnel request while it is checked. */
  private final class Opening {
    final ChannelHandlerContext ctx;
    final FullHttpRequest req;
    final String proxyName;
    final String clientIp;
    final long startNanos = System.nanoTime();
    String user;
    ProxyConfig proxy;

    /** The client's {@code Ferry-Client-Instance} (checked well-formed), or null: none sent. */
    String clientInstance;

    Opening(ChannelHandlerContext ctx, FullHttpRequest req, String proxyName) {
      this.ctx = ctx;
      this.req = req;
      this.proxyName = proxyName;
      // TODO: behind Cloud Run or another proxy the client address is in X-Forwarded-For; which hop
      // to trust is a config decision, so until it is made the audit shows the peer address.
      SocketAddress remote = ctx.channel().remoteAddress();
      this.clientIp =
          remote instanceof InetSocketAddress isa && isa.getAddress() != null
              ? isa.getAddress().getHostAddress()
              : String.valueOf(remote);
    }

    void refuse(TunnelError error, String detail, String auditReason) {
      gw.metrics().refused(proxy != null ? proxy.name() : GatewayMetrics.NO_PROXY, error.tag());
      gw.audit()
          .write(
              new AuditRecord(
                  gw.audit().clock().instant(),
                  AuditRecord.DENIED,
                  null,
                  user,
                  proxy != null ? proxy.name() : proxyName,
                  proxy != null ? proxy.target().toString() : null,
                  clientIp,
                  0,
                  0,
                  0,
                  error.tag() + ": " + (auditReason != null ? auditReason : detail),
                  null));
      req.release();
      HttpResponses.sendAndClose(ctx, HttpResponses.problem(error, detail));
    }
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    String path = req.uri();
    int q = path.indexOf('?');
    if (q >= 0) {
      path = path.substring(0, q);
    }
    Opening o = new Opening(ctx, req, path.substring(Protocol.TUNNEL_PATH_PREFIX.length()));
    // A resume is checked for draining after authentication: its owner may first have to learn
    // that the drain already ended the session, which needs to know who asks.
    if (gw.draining() && !req.headers().contains(Protocol.RESUME_HEADER)) {
      o.refuse(TunnelError.DRAINING, "gateway is draining; try again", null);
      return;
    }
    if (!isWebSocketUpgrade(req)) {
      o.refuse(TunnelError.BAD_REQUEST, "not a WebSocket upgrade request", null);
      return;
    }
    if (!offersSubprotocol(req)) {
      o.refuse(
          TunnelError.BAD_REQUEST,
          "the WebSocket subprotocol " + Protocol.SUBPROTOCOL + " is required",
          null);
      return;
    }
    List<String> instances = req.headers().getAll(Protocol.CLIENT_INSTANCE_HEADER);
    if (instances.size() > 1
        || (instances.size() == 1 && !CLIENT_INSTANCE.matcher(instances.get(0)).matches())) {
      // The value is not echoed: it is the client's, and could be anything up to the header limit.
      o.refuse(
          TunnelError.BAD_REQUEST,
          "the "
              + Protocol.CLIENT_INSTANCE_HEADER
              + " header must be one value of 16 to 64 characters A-Z a-z 0-9 - _",
          null);
      return;
    }
    o.clientInstance = instances.isEmpty() ? null : instances.get(0);
    String origin = req.headers().get(HttpHeaderNames.ORIGIN);
    if (origin != null && !gw.config().gateway().allowedOrigins().contains(origin)) {
      o.refuse(TunnelError.ORIGIN_NOT_ALLOWED, "origin " + origin + " is not allowed", null);
      return;
    }
    // Nothing more is read from the client until the tunnel is open or refused.
    ctx.channel().config().setAutoRead(false);
    String authorization = req.headers().get(HttpHeaderNames.AUTHORIZATION);
    CompletableFuture<VerifiedIdentity> verified;
    try {
      verified = gw.verifier().verify(authorization);
    } catch (RuntimeException e) {
      verified = CompletableFuture.failedFuture(e);
    }
    verified.whenComplete(
        (identity, error) -> onLoop(ctx.channel(), () -> afterAuth(o, identity, error)));
  }

  /**
   * Runs {@code task} on the channel's event loop: right away when already there (a cached token
   * decision or an IP-literal target completes on the calling loop), else as a task for it.
   */
  private static void onLoop(Channel channel, Runnable task) {
    if (channel.eventLoop().inEventLoop()) {
      task.run();
    } else {
      channel.eventLoop().execute(task);
    }
  }

  private void afterAuth(Opening o, VerifiedIdentity identity, Throwable error) {
    if (!o.ctx.channel().isActive()) {
      o.req.release();
      return;
    }
    if (identity == null) {
      AuthRefusal r = AuthRefusal.of(gw, error);
      o.refuse(r.error(), r.detail(), null);
      return;
    }
    o.user = identity.user();
    String resumeId = o.req.headers().get(Protocol.RESUME_HEADER);
    if (resumeId != null) {
      // Before the proxy's rules: a session ended because its proxy was removed or its user's
      // access revoked would otherwise only get "unknown proxy". Only the owner matches.
      EndedSessions.Ended ended =
          gw.endedSessions()
              .find(resumeId, o.proxyName, identity.issuer(), identity.subject(), identity.user())
              .orElse(null);
      if (ended != null) {
        refuseEnded(o, ended);
        return;
      }
    }
    ProxyConfig proxy =
        PROXY_NAME.matcher(o.proxyName).matches()
            ? gw.config().proxy(o.proxyName).orElse(null)
            : null;
    if (proxy == null || !ProxyPolicy.allows(proxy, identity.user(), identity.groups())) {
      // One answer for both, so that callers cannot learn which proxies exist.
      o.refuse(
          TunnelError.PROXY_NOT_FOUND,
          "proxy " + o.proxyName + " is unknown or not available to you",
          proxy == null ? "unknown proxy" : "not allowed for " + identity.user());
      return;
    }
    o.proxy = proxy;
    if (gw.draining()) {
      o.refuse(TunnelError.DRAINING, "gateway is draining; try again", null);
      return;
    }
    if (resumeId != null) {
      resume(o, identity, resumeId);
      return;
    }
    // At a cap, the caller's own sessions that wait for a resume give up their slots (a client
    // that crashed and started again is not locked out by them); nobody else's, no live one, and
    // none that this same client instance opened (it is alive and about to resume them).
    SessionLimiter.Decision decision =
        gw.limiter()
            .tryAcquire(
                proxy,
                new SessionLimiter.Owner(identity.issuer(), identity.subject(), identity.user()),
                o.clientInstance);
    if (decision instanceof SessionLimiter.Refusal r) {
      o.refuse(TunnelError.LIMIT_REACHED, r.detail(), null);
      return;
    }
    connect(o, identity, (SessionLimiter.Permit) decision);
  }

  private void connect(Opening o, VerifiedIdentity identity, SessionLimiter.Permit permit) {
    Channel client = o.ctx.channel();
    Target target = o.proxy.target();
    // The name is looked up only now, after every check passed, and off the event loop.
    gw.resolver()
        .resolve(target, o.proxy.allowLinkLocal())
        .whenComplete(
            (address, err) ->
                onLoop(
                    client,
                    () -> {
                      if (err == null) {
                        connect(o, identity, permit, address);
                        return;
                      }
                      permit.release();
                      if (!client.isActive()) {
                        o.req.release();
                        return;
                      }
                      Throwable cause = err instanceof CompletionException ? err.getCause() : err;
                      if (cause instanceof LinkLocalRefusedException linkLocal) {
                        o.refuse(TunnelError.UPSTREAM_REFUSED, linkLocal.getMessage(), null);
                        return;
                      }
                      o.refuse(
                          TunnelError.UPSTREAM_REFUSED,
                          "upstream host " + target.host() + " could not be resolved",
                          null);
                    }));
  }

  private void connect(
      Opening o,
      VerifiedIdentity identity,
      SessionLimiter.Permit permit,
      InetSocketAddress address) {
    Channel client = o.ctx.channel();
    Target target = o.proxy.target();
    long timeoutMs = o.proxy.limits().connectTimeout().toMillis();
    ChannelFuture connecting =
        new Bootstrap()
            .group(client.eventLoop())
            .channel(gw.transport().socketChannel())
            .option(ChannelOption.AUTO_READ, false)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, timeoutMs))
            .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Relay.WATER_MARK)
            .option(ChannelOption.RCVBUF_ALLOCATOR, Relay.tcpRecvAllocator())
            .handler(upstreamInitializer)
            .connect(address);
    // A client that leaves while we connect takes the attempt with it (only until then: once the
    // tunnel runs, its session decides, and a resumable one outlives its first WebSocket).
    ChannelFutureListener abandon = f -> connecting.channel().close();
    client.closeFuture().addListener(abandon);
    connecting.addListener(
        f -> {
          client.closeFuture().removeListener(abandon);
          if (!f.isSuccess()) {
            permit.release();
            if (!client.isActive()) {
              o.req.release();
              return;
            }
            UpstreamConnectFailure failure =
                UpstreamConnectFailure.of(f.cause(), target, o.proxy.limits().connectTimeout());
            o.refuse(failure.error(), failure.detail(), null);
            return;
          }
          upgrade(o, identity, permit, connecting.channel());
        });
  }

  private void upgrade(
      Opening o, VerifiedIdentity identity, SessionLimiter.Permit permit, Channel upstream) {
    Channel client = o.ctx.channel();
    if (!client.isActive()) {
      permit.release();
      upstream.close();
      o.req.release();
      return;
    }
    TunnelSession session =
        new TunnelSession(
            identity,
            o.proxy,
            o.clientIp,
            permit,
            gw.audit(),
            gw.metrics(),
            gw.verifier(),
            name -> gw.config().proxy(name),
            gw::removed);
    session.owner(identity.issuer(), identity.subject());
    session.clientResumes("1".equals(o.req.headers().get(Protocol.RESUMABLE_HEADER)));
    // Version 13 is the only one isWebSocketUpgrade lets through; the decoder slices, not copies.
    WebSocketServerHandshaker handshaker =
        new SlicingServerHandshaker(o.req.uri(), Protocol.SUBPROTOCOL, decoderConfig);
    HttpHeaders headers = new DefaultHttpHeaders().set(Protocol.SESSION_HEADER, session.id());
    // The 101 and the SESSION frame leave in one write (one segment, one read for the client):
    // the handshake's flush is held until SESSION is queued behind the 101.
    ChannelHandler hold = new FlushHold();
    client.pipeline().addFirst(hold);
    ChannelFuture upgraded;
    try {
      upgraded = handshaker.handshake(client, o.req, headers, client.newPromise());
    } finally {
      o.req.release();
    }
    if (upgraded.isDone() && !upgraded.isSuccess()) {
      log.debug("{}: upgrade failed: {}", client, upgraded.cause());
      permit.release();
      upstream.close();
      client.close();
      return;
    }
    gw.metrics().setupTime(System.nanoTime() - o.startNanos);
    removeHttpHandlers(client);
    // SESSION goes out first, but only after session.start is audited. A failed 101 write closes
    // the client, which ends the session like any tunnel whose client went away.
    client.write(
        new BinaryWebSocketFrame(FrameCodec.session(client.alloc(), session.sessionFrame())),
        client.voidPromise());
    gw.added(session);
    session.start(new Relay(client, upstream, session, false, session.resumable()));
    // A reload between the policy check and gw.added would have missed this session.
    gw.endIfNoLongerAllowed(session);
    client.pipeline().remove(hold);
    client.flush();
    upgraded.addListener(
        f -> {
          if (!f.isSuccess()) {
            log.debug("{}: upgrade failed: {}", client, f.cause());
            client.close();
          }
        });
  }

  /** The HTTP-only handlers leave once a channel carries a tunnel. */
  private void removeHttpHandlers(Channel client) {
    client.pipeline().remove(HttpRouteHandler.class);
    client.pipeline().remove(this);
    if (client.pipeline().get(HandshakeGuard.class) != null) {
      client.pipeline().remove(HandshakeGuard.class);
    }
  }

  /**
   * A resume ({@code Ferry-Resume: <session id>}, {@code Ferry-Received: <n>}): the caller passed
   * authentication and the proxy's rules again; the session must exist, be for this proxy and
   * belong to the same issuer, subject and user. Then the channel moves to the session's event loop
   * (one owner thread per session) and, there, the upgrade answers with the gateway's own count.
   */
  private void resume(Opening o, VerifiedIdentity identity, String sessionId) {
    long received;
    try {
      received = Long.parseLong(String.valueOf(o.req.headers().get(Protocol.RECEIVED_HEADER)));
    } catch (NumberFormatException e) {
      received = -1;
    }
    if (received < 0) {
      gw.metrics().resume(o.proxy.name(), "refused");
      o.refuse(
          TunnelError.BAD_REQUEST,
          "a resume needs a " + Protocol.RECEIVED_HEADER + " header with the bytes received",
          null);
      return;
    }
    TunnelSession s = gw.session(sessionId);
    String why =
        s == null
            ? "unknown or ended session"
            : !s.proxy().name().equals(o.proxy.name())
                ? "session of another proxy"
                : !s.ownedBy(identity.issuer(), identity.subject(), identity.user())
                    ? "session of another user"
                    : null;
    if (why != null) {
      refuseResume(o, sessionId, why);
      return;
    }
    if (o.clientInstance != null && !o.clientInstance.equals(s.clientInstance())) {
      // Allowed (the owner rule decides); worth knowing when a supersede looks odd.
      log.debug("session {}: resume from another client instance", s.id());
    }
    Channel client = o.ctx.channel();
    EventLoop sessionLoop = s.eventLoop();
    long clientReceived = received;
    if (client.eventLoop() == sessionLoop) {
      resumeOnSessionLoop(o, s, clientReceived);
      return;
    }
    client
        .deregister()
        .addListener(
            d -> {
              if (!d.isSuccess()) {
                o.req.release();
                client.close();
                return;
              }
              sessionLoop
                  .register(client)
                  .addListener(
                      r -> {
                        if (!r.isSuccess()) {
                          o.req.release();
                          client.close();
                          return;
                        }
                        resumeOnSessionLoop(o, s, clientReceived);
                      });
            });
  }

  private void refuseResume(Opening o, String sessionId, String why) {
    gw.metrics().resume(o.proxy.name(), "refused");
    String shown = sessionId.length() > 64 ? sessionId.substring(0, 64) + "..." : sessionId;
    // One answer whatever the reason, so that nobody learns which session ids exist.
    o.refuse(
        TunnelError.SESSION_NOT_FOUND,
        "session " + shown + " is unknown, has ended or is not yours",
        "resume of " + shown + " refused: " + why);
  }

  /**
   * The caller's own session ended while it was away: say why, so that its client stops trying and
   * shows the reason. Only ever called for the session's owner.
   */
  private void refuseEnded(Opening o, EndedSessions.Ended ended) {
    gw.metrics().resume(ended.proxy(), "refused");
    o.refuse(
        TunnelError.SESSION_ENDED,
        ended.describe(),
        "resume of " + ended.sessionId() + " refused: " + ended.describe());
  }

  private void resumeOnSessionLoop(Opening o, TunnelSession s, long clientReceived) {
    Channel client = o.ctx.channel();
    if (!client.isActive()) {
      o.req.release();
      return;
    }
    EndedSessions.Ended ending = s.ending();
    if (ending != null) {
      // Ended, still closing (e.g. its upstream gets its last bytes): already the real reason.
      refuseEnded(o, ending);
      return;
    }
    long gatewayReceived = s.prepareResume(clientReceived);
    if (gatewayReceived < 0 && s.ending() != null) {
      // A new tunnel of the same owner took the session's slot just now.
      refuseEnded(o, s.ending());
      return;
    }
    if (gatewayReceived < 0) {
      refuseResume(
          o, s.id(), "it cannot continue from byte " + clientReceived + " of the client's data");
      return;
    }
    WebSocketServerHandshaker handshaker =
        new SlicingServerHandshaker(o.req.uri(), Protocol.SUBPROTOCOL, decoderConfig);
    HttpHeaders headers =
        new DefaultHttpHeaders()
            .set(Protocol.SESSION_HEADER, s.id())
            .set(Protocol.RECEIVED_HEADER, Long.toString(gatewayReceived));
    ChannelFuture upgraded;
    try {
      upgraded = handshaker.handshake(client, o.req, headers, client.newPromise());
    } finally {
      o.req.release();
    }
    upgraded.addListener(
        f -> {
          if (!f.isSuccess()) {
            // The session keeps waiting (its resume window runs) for another attempt.
            log.debug("{}: resume upgrade failed: {}", client, f.cause());
            s.resumeAbandoned();
            client.close();
            return;
          }
          removeHttpHandlers(client);
          client.write(
              new BinaryWebSocketFrame(FrameCodec.session(client.alloc(), s.sessionFrame())),
              client.voidPromise());
          s.resume(client, clientReceived);
          client.flush();
        });
  }

  private static boolean isWebSocketUpgrade(FullHttpRequest req) {
    HttpHeaders h = req.headers();
    return h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
        && h.contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
        && h.contains(HttpHeaderNames.SEC_WEBSOCKET_KEY)
        && "13".equals(h.get(HttpHeaderNames.SEC_WEBSOCKET_VERSION));
  }

  private static boolean offersSubprotocol(FullHttpRequest req) {
    String offered = req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
    return offered != null
        && Arrays.stream(offered.split(","))
            .map(String::trim)
            .anyMatch(Protocol.SUBPROTOCOL::equals);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("{}: {}", ctx.channel(), cause.toString());
    ctx.close();
  }

  /** Swallows flushes while in the pipeline; what was written goes out with the next flush. */
  private static final class FlushHold extends ChannelOutboundHandlerAdapter {
    @Override
    public void flush(ChannelHandlerContext ctx) {}
  }

  /** Upstream channels get their relay handler once the tunnel is open; until then, nothing. */
  @Sharable
  private static final class UpstreamInitializer extends ChannelInitializer<Channel> {
    @Override
    protected void initChannel(Channel ch) {}
  }
}
