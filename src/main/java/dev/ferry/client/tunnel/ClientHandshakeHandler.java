package dev.ferry.client.tunnel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.client.tls.ClientTls;
import dev.ferry.tunnel.Frame;
import dev.ferry.tunnel.FrameCodec;
import dev.ferry.tunnel.ProtocolException;
import dev.ferry.tunnel.TunnelError;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Opens the tunnel on a fresh connection: sends the upgrade, turns a refusal's problem+json into a
 * {@link TunnelRefusedException}, waits for the SESSION frame, and then holds what arrives next
 * until the relay replaces it.
 */
final class ClientHandshakeHandler extends ChannelInboundHandlerAdapter {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final WebSocketClientHandshaker handshaker;
  private final CompletableFuture<Tunnel> result;
  private final String host;
  private final java.time.Duration keepalive;
  private final Consumer<List<String>> setCookies;
  private final ArrayDeque<Object> early = new ArrayDeque<>();
  private boolean upgraded;
  private long peerReceived = -1;
  private Tunnel tunnel;

  ClientHandshakeHandler(
      WebSocketClientHandshaker handshaker,
      CompletableFuture<Tunnel> result,
      String host,
      java.time.Duration keepalive,
      Consumer<List<String>> setCookies) {
    this.handshaker = handshaker;
    this.setCookies = setCookies;
    this.result = result;
    this.host = host;
    this.keepalive = keepalive;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (ctx.pipeline().get("tls") == null) {
      handshaker.handshake(ctx.channel());
    }
    ctx.fireChannelActive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof SslHandshakeCompletionEvent tls) {
      if (tls.isSuccess()) {
        handshaker.handshake(ctx.channel());
      } else {
        fail(ctx, TunnelError.GATEWAY_UNREACHABLE, tlsMessage(tls.cause()));
      }
    }
    ctx.fireUserEventTriggered(evt);
  }

  private String tlsMessage(Throwable cause) {
    return ClientTls.handshakeFailure(host, cause);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (tunnel != null) {
      // Behind SESSION, before the relay: keep it (bounded by one read, auto-read is off).
      early.add(msg);
      return;
    }
    try {
      if (!upgraded && msg instanceof FullHttpResponse res) {
        onResponse(ctx, res);
      } else if (upgraded && msg instanceof BinaryWebSocketFrame bin) {
        onFirstFrame(ctx, bin);
      } else if (upgraded && msg instanceof CloseWebSocketFrame close) {
        fail(ctx, closeError(close.statusCode()), close.reasonText());
      } else if (upgraded) {
        fail(ctx, TunnelError.PROTOCOL_ERROR, "expected a SESSION frame first");
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private static TunnelError closeError(int code) {
    TunnelError e = TunnelError.fromCloseCode(code);
    return e == null ? TunnelError.PROTOCOL_ERROR : e;
  }

  private void onResponse(ChannelHandlerContext ctx, FullHttpResponse res) {
    // A load balancer may set its affinity cookie on any answer, a refusal included.
    setCookies.accept(res.headers().getAll(HttpHeaderNames.SET_COOKIE));
    if (res.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
      try {
        handshaker.finishHandshake(ctx.channel(), res);
      } catch (RuntimeException e) {
        fail(ctx, TunnelError.PROTOCOL_ERROR, "WebSocket upgrade failed: " + e.getMessage());
        return;
      }
      upgraded = true;
      // Only a resume's answer carries it: what the gateway already received from us.
      String received = res.headers().get(dev.ferry.tunnel.Protocol.RECEIVED_HEADER);
      if (received != null) {
        try {
          peerReceived = Long.parseLong(received.trim());
        } catch (NumberFormatException e) {
          fail(ctx, TunnelError.PROTOCOL_ERROR, "bad " + received + " in the resume answer");
        }
      }
      return;
    }
    TunnelError error = null;
    String detail = null;
    String body = res.content().toString(StandardCharsets.UTF_8);
    try {
      JsonNode node = JSON.readTree(body);
      if (node != null && node.isObject()) {
        error = TunnelError.fromProblemType(node.path("type").asText(null));
        detail = node.path("detail").asText(null);
      }
    } catch (Exception notJson) {
      // Something other than a Ferry gateway answered; the status says enough.
    }
    if (error == null) {
      error = TunnelError.fromHttpStatus(res.status().code());
    }
    if (detail == null) {
      detail = "gateway answered " + res.status();
    }
    fail(ctx, error, detail);
  }

  private void onFirstFrame(ChannelHandlerContext ctx, BinaryWebSocketFrame bin) {
    Frame frame;
    try {
      frame = FrameCodec.decode(bin.content());
    } catch (ProtocolException e) {
      fail(ctx, TunnelError.PROTOCOL_ERROR, e.getMessage());
      return;
    }
    if (!(frame instanceof Frame.Session session)) {
      if (frame instanceof Frame.Data d) {
        d.payload().release();
      }
      fail(ctx, TunnelError.PROTOCOL_ERROR, "expected a SESSION frame first");
      return;
    }
    ctx.channel().config().setAutoRead(false);
    tunnel = new Tunnel(ctx.channel(), session);
    tunnel.peerReceived = peerReceived;
    ctx.pipeline()
        .addBefore(ctx.name(), "keepalive", new KeepaliveHandler(keepalive, tunnel.rttNanos));
    result.complete(tunnel);
  }

  private void fail(ChannelHandlerContext ctx, TunnelError error, String detail) {
    result.completeExceptionally(new TunnelRefusedException(error, detail));
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!result.isDone()) {
      result.completeExceptionally(
          new TunnelRefusedException(
              TunnelError.GATEWAY_UNREACHABLE, "gateway " + host + " closed the connection"));
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    boolean any = !early.isEmpty();
    Object msg;
    while ((msg = early.poll()) != null) {
      ctx.fireChannelRead(msg);
    }
    if (any) {
      ctx.fireChannelReadComplete();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!result.isDone()) {
      boolean tls = false;
      for (Throwable t = cause; t != null; t = t.getCause()) {
        tls |= t instanceof javax.net.ssl.SSLException;
      }
      fail(
          ctx,
          TunnelError.GATEWAY_UNREACHABLE,
          tls ? tlsMessage(cause) : "gateway " + host + ": " + cause.getMessage());
    } else {
      ctx.fireExceptionCaught(cause);
    }
  }
}
