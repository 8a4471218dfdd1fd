package dev.ferry.gateway.server;

import dev.ferry.gateway.auth.VerifiedIdentity;
import dev.ferry.tunnel.Protocol;
import dev.ferry.tunnel.TunnelError;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET /v1/probe} (Bearer, WebSocket upgrade, subprotocol ferry.v1): a WebSocket that opens
 * only after the token checks out and leads nowhere, so that {@code ferry doctor} can test the path
 * to the gateway (proxies, load balancers, their idle timeouts) without opening any upstream. It
 * answers pings, closes when the client closes, refuses data, and cannot hold resources: at most
 * {@link #MAX_OPEN} at once per gateway (429 beyond) and closed after {@link #LIFETIME}.
 */
final class ProbeUpgrade {
  static final String PATH = "/v1/probe";
  static final int MAX_OPEN = 16;
  static final Duration LIFETIME = Duration.ofMinutes(2);

  private final GatewayContext gw;
  private final AtomicInteger open = new AtomicInteger();
  private final WebSocketDecoderConfig decoderConfig =
      WebSocketDecoderConfig.newBuilder()
          .maxFramePayloadLength(1024) // control frames carry at most 125 bytes
          .expectMaskedFrames(true)
          .allowExtensions(false)
          .build();

  ProbeUpgrade(GatewayContext gw) {
    this.gw = gw;
  }

  /** Handles one probe request; releases {@code req}. */
  void handle(ChannelHandlerContext ctx, FullHttpRequest req) {
    TunnelError refusal = null;
    String detail = null;
    String origin = req.headers().get(HttpHeaderNames.ORIGIN);
    if (gw.draining()) {
      refusal = TunnelError.DRAINING;
      detail = "gateway is draining; try again";
    } else if (!isWebSocketUpgrade(req.headers())) {
      refusal = TunnelError.BAD_REQUEST;
      detail = "not a WebSocket upgrade request";
    } else if (!offersSubprotocol(req.headers())) {
      refusal = TunnelError.BAD_REQUEST;
      detail = "the WebSocket subprotocol " + Protocol.SUBPROTOCOL + " is required";
    } else if (origin != null && !gw.config().gateway().allowedOrigins().contains(origin)) {
      refusal = TunnelError.ORIGIN_NOT_ALLOWED;
      detail = "origin " + origin + " is not allowed";
    } else if (open.incrementAndGet() > MAX_OPEN) {
      open.decrementAndGet();
      refusal = TunnelError.LIMIT_REACHED;
      detail = "too many probes open (" + MAX_OPEN + "); try again shortly";
    }
    if (refusal != null) {
      req.release();
      HttpResponses.sendAndClose(ctx, HttpResponses.problem(refusal, detail));
      return;
    }
    // From here the probe holds a slot until its channel closes.
    ctx.channel().closeFuture().addListener(f -> open.decrementAndGet());
    ctx.channel().config().setAutoRead(false);
    CompletableFuture<VerifiedIdentity> verified;
    try {
      verified = gw.verifier().verify(req.headers().get(HttpHeaderNames.AUTHORIZATION));
    } catch (RuntimeException e) {
      verified = CompletableFuture.failedFuture(e);
    }
    verified.whenComplete(
        (identity, error) -> ctx.executor().execute(() -> afterAuth(ctx, req, identity, error)));
  }

  private void afterAuth(
      ChannelHandlerContext ctx, FullHttpRequest req, VerifiedIdentity identity, Throwable error) {
    Channel ch = ctx.channel();
    if (!ch.isActive()) {
      req.release();
      return;
    }
    if (identity == null) {
      AuthRefusal r = AuthRefusal.of(gw, error);
      req.release();
      HttpResponses.sendAndClose(ctx, HttpResponses.problem(r.error(), r.detail()));
      return;
    }
    WebSocketServerHandshaker handshaker =
        new WebSocketServerHandshakerFactory(req.uri(), Protocol.SUBPROTOCOL, decoderConfig)
            .newHandshaker(req);
    if (handshaker == null) {
      req.release();
      HttpResponses.sendAndClose(
          ctx, HttpResponses.problem(TunnelError.BAD_REQUEST, "unsupported WebSocket version"));
      return;
    }
    ChannelFuture upgraded;
    try {
      upgraded = handshaker.handshake(ch, req);
    } finally {
      req.release();
    }
    upgraded.addListener(
        f -> {
          if (!f.isSuccess()) {
            ch.close();
            return;
          }
          ch.pipeline().remove(HttpRouteHandler.class);
          ch.pipeline().remove(TunnelHandshakeHandler.class);
          ch.pipeline().addLast("probe", new ProbeHandler());
          ch.eventLoop()
              .schedule(
                  () -> close(ch, 1000, "probe lifetime of " + LIFETIME.toSeconds() + "s over"),
                  LIFETIME.toMillis(),
                  TimeUnit.MILLISECONDS);
          ch.config().setAutoRead(true);
        });
  }

  private static void close(Channel ch, int code, String reason) {
    if (ch.isActive()) {
      ch.writeAndFlush(new CloseWebSocketFrame(code, reason))
          .addListener(ChannelFutureListener.CLOSE);
    }
  }

  private static boolean isWebSocketUpgrade(HttpHeaders h) {
    return h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
        && h.contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
        && h.contains(HttpHeaderNames.SEC_WEBSOCKET_KEY)
        && "13".equals(h.get(HttpHeaderNames.SEC_WEBSOCKET_VERSION));
  }

  private static boolean offersSubprotocol(HttpHeaders h) {
    String offered = h.get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
    return offered != null
        && Arrays.stream(offered.split(","))
            .map(String::trim)
            .anyMatch(Protocol.SUBPROTOCOL::equals);
  }

  /** Pong for ping, close for close, and no data: a probe carries none. */
  private static final class ProbeHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
      if (frame instanceof PingWebSocketFrame) {
        ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
      } else if (frame instanceof CloseWebSocketFrame) {
        ctx.writeAndFlush(new CloseWebSocketFrame(1000, ""))
            .addListener(ChannelFutureListener.CLOSE);
      } else if (!(frame instanceof PongWebSocketFrame)) {
        close(ctx.channel(), 1003, "a probe carries no data");
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
