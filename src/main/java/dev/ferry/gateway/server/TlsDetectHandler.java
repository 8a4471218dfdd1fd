package dev.ferry.gateway.server;

import dev.ferry.tunnel.TunnelError;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.ssl.OptionalSslHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * First handler on a TLS port: a TLS record makes it step aside for the {@code SslHandler}; plain
 * bytes (an {@code http://} URL pointed at an https gateway) get one 400 problem+json saying so, in
 * clear text, and the connection closes, instead of the silent close a bare SslHandler gives.
 */
final class TlsDetectHandler extends OptionalSslHandler {
  static final String DETAIL = "this gateway serves TLS only: use an https:// URL";

  TlsDetectHandler(SslContext ssl) {
    super(ssl);
  }

  @Override
  protected String newSslHandlerName() {
    return "tls";
  }

  @Override
  protected String newNonSslHandlerName() {
    return "https-required";
  }

  @Override
  protected ChannelHandler newNonSslHandler(ChannelHandlerContext ctx) {
    return new HttpsRequiredHandler();
  }

  /** Answers whatever plain bytes arrive with one raw HTTP/1.1 400 and closes. */
  static final class HttpsRequiredHandler extends ChannelInboundHandlerAdapter {
    private boolean answered;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
      if (answered) {
        return;
      }
      answered = true;
      // Below the HTTP codec, so the response is written as bytes.
      FullHttpResponse res = HttpResponses.problem(TunnelError.BAD_REQUEST, DETAIL);
      try {
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(res.status()).append("\r\n");
        for (Map.Entry<String, String> h : res.headers()) {
          head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        head.append("\r\n");
        ByteBuf out = ctx.alloc().buffer(head.length() + res.content().readableBytes());
        out.writeCharSequence(head, StandardCharsets.US_ASCII);
        out.writeBytes(res.content());
        ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
      } finally {
        res.release();
      }
    }
  }
}
