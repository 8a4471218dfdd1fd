package dev.ferry.gateway.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.tunnel.TunnelError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Building and sending the gateway's HTTP answers, refusals as RFC 9457 problem+json. */
public final class HttpResponses {
  static final ObjectMapper JSON = new ObjectMapper();
  public static final String PROBLEM_JSON = "application/problem+json";

  private HttpResponses() {}

  public static FullHttpResponse problem(TunnelError error, String detail) {
    return problem(error.httpStatus(), error.problemType(), detail);
  }

  public static FullHttpResponse problem(int status, String type, String detail) {
    HttpResponseStatus httpStatus = HttpResponseStatus.valueOf(status);
    ObjectNode node = JSON.createObjectNode();
    node.put("type", type);
    node.put("title", httpStatus.reasonPhrase());
    node.put("status", status);
    node.put("detail", detail);
    FullHttpResponse res =
        response(
            httpStatus,
            PROBLEM_JSON,
            Unpooled.copiedBuffer(node.toString(), StandardCharsets.UTF_8));
    if (status == 401) {
      res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
    }
    return res;
  }

  public static FullHttpResponse json(HttpResponseStatus status, Object body) {
    return response(
        status,
        "application/json",
        Unpooled.wrappedBuffer(JSON.valueToTree(body).toString().getBytes(StandardCharsets.UTF_8)));
  }

  public static FullHttpResponse text(HttpResponseStatus status, String contentType, String body) {
    return response(status, contentType, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
  }

  private static FullHttpResponse response(
      HttpResponseStatus status, String contentType, ByteBuf body) {
    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
    res.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    return res;
  }

  /** Sends a response to a plain request, keeping the connection when the client wants that. */
  public static void send(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse res) {
    if (keepAlive) {
      HttpUtil.setKeepAlive(res, true);
      ctx.writeAndFlush(res, ctx.voidPromise());
    } else {
      res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** Sends a response and closes the connection (tunnel refusals). */
  public static void sendAndClose(ChannelHandlerContext ctx, FullHttpResponse res) {
    send(ctx, false, res);
  }
}
