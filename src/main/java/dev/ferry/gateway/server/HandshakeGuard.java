package dev.ferry.gateway.server;

import dev.ferry.gateway.config.ServerSettings;
import dev.ferry.tunnel.Protocol;
import dev.ferry.tunnel.TunnelError;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Holds a connection to its pre-authentication limits until it becomes a tunnel:
 *
 * <ul>
 *   <li>a cap on connections not yet a tunnel ({@code gateway.maxPendingHandshakes}): beyond it a
 *       new connection gets a quick 503 and nothing of it is parsed;
 *   <li>a deadline ({@code gateway.handshakeTimeout}) for each complete request, so a client that
 *       trickles a request line or headers (slowloris) or sends nothing is closed with a 408 (a
 *       keep-alive connection idle after a plain answer is closed quietly);
 *   <li>request lines and headers past the codec's limits get a 400 / 431 naming the limit, rather
 *       than the generic "malformed request".
 * </ul>
 *
 * Once a complete tunnel request was read, the rest is the gateway's own work (token check, policy,
 * upstream connect, each with its own bound), so the deadline stops; the tunnel handler removes
 * this guard when the upgrade succeeded. Anything a client sends after its tunnel request and
 * before the 101 is dropped (RFC 6455 §4.1: a client waits for the 101).
 */
final class HandshakeGuard extends ChannelInboundHandlerAdapter {
  /** How long a refused connection stays open, its input discarded, so the answer is read. */
  static final long LINGER_MS = 1000;

  private final PendingHandshakes pending;
  private final Supplier<ServerSettings> settings;
  private boolean entered;
  private boolean refused;
  private boolean tunnelRequestRead;
  private boolean inTunnelRequest;
  private boolean idleBetweenRequests;
  private ScheduledFuture<?> deadline;
  private Duration timeout;

  HandshakeGuard(PendingHandshakes pending, Supplier<ServerSettings> settings) {
    this.pending = pending;
    this.settings = settings;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ServerSettings s = settings.get();
    timeout = s.handshakeTimeout();
    if (!pending.tryEnter(s.maxPendingHandshakes())) {
      pending.rejected("pending-cap");
      refuse(
          ctx,
          HttpResponses.problem(
              503,
              TunnelError.LIMIT_REACHED.problemType(),
              "too many pending handshakes (gateway.maxPendingHandshakes "
                  + s.maxPendingHandshakes()
                  + "); try again"));
      return;
    }
    entered = true;
    arm(ctx);
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refused || tunnelRequestRead) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpRequest req) {
      if (req.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        tooLong(ctx, req.decoderResult().cause());
        return;
      }
      inTunnelRequest = req.uri().startsWith(Protocol.TUNNEL_PATH_PREFIX);
      idleBetweenRequests = false;
    }
    if (msg instanceof LastHttpContent) {
      if (inTunnelRequest) {
        tunnelRequestRead = true;
        cancel();
      } else {
        // A plain request (health, info, metrics) is done: the next one gets a fresh deadline.
        idleBetweenRequests = true;
        arm(ctx);
      }
    }
    ctx.fireChannelRead(msg);
  }

  private void tooLong(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof TooLongHttpHeaderException) {
      pending.rejected("header-too-large");
      refuse(
          ctx,
          HttpResponses.problem(
              431,
              TunnelError.BAD_REQUEST.problemType(),
              "request headers larger than "
                  + GatewayChannelInitializer.MAX_HEADER_SIZE
                  + " bytes"));
    } else if (cause instanceof TooLongHttpLineException) {
      pending.rejected("line-too-long");
      refuse(
          ctx,
          HttpResponses.problem(
              TunnelError.BAD_REQUEST,
              "request line longer than " + GatewayChannelInitializer.MAX_INITIAL_LINE + " bytes"));
    } else {
      pending.rejected(cause instanceof TooLongFrameException ? "too-long" : "malformed");
      refuse(ctx, HttpResponses.problem(TunnelError.BAD_REQUEST, "malformed HTTP request"));
    }
  }

  private void arm(ChannelHandlerContext ctx) {
    cancel();
    deadline = ctx.executor().schedule(() -> expire(ctx), timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void expire(ChannelHandlerContext ctx) {
    if (refused || tunnelRequestRead || !ctx.channel().isActive()) {
      return;
    }
    if (idleBetweenRequests) {
      // An idle keep-alive connection after a plain answer: not an attack, just let it go.
      ctx.close();
      return;
    }
    pending.timedOut();
    refuse(
        ctx,
        HttpResponses.problem(
            408,
            TunnelError.BAD_REQUEST.problemType(),
            "no complete request within "
                + Durations.format(timeout)
                + " (gateway.handshakeTimeout)"));
  }

  /**
   * Answers and stops reading requests. The connection is half-closed after the answer and cut a
   * moment later, so a client still sending does not get a reset that could swallow the answer.
   */
  private void refuse(ChannelHandlerContext ctx, FullHttpResponse res) {
    refused = true;
    cancel();
    if (ctx.pipeline().get(TlsDetectHandler.class) != null) {
      // TLS is on and the client has not started it: a plain-text answer would only read as a
      // broken handshake, so the connection is just closed.
      res.release();
      ctx.close();
      return;
    }
    res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(res)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (f.channel() instanceof DuplexChannel d && f.isSuccess()) {
                    d.shutdownOutput();
                  }
                });
    ScheduledFuture<?> cut =
        ctx.executor().schedule(() -> ctx.close(), LINGER_MS, TimeUnit.MILLISECONDS);
    ctx.channel().closeFuture().addListener(f -> cut.cancel(false));
  }

  private void cancel() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }

  private void release() {
    cancel();
    if (entered) {
      entered = false;
      pending.leave();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    release();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    // Removed when the tunnel is open: from here on the session's own limits apply.
    release();
  }
}
