package dev.ferry.client.forward;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Remembers the first I/O error seen on a tunnel's WebSocket, so that a dropped tunnel can be
 * reported with what happened ("Connection reset by peer") rather than only that it happened. Sits
 * first in the pipeline, where socket errors enter it, and passes everything on.
 */
final class DropCause extends ChannelInboundHandlerAdapter {
  private volatile Throwable cause;

  /** Starts watching {@code webSocket}. */
  static DropCause watch(Channel webSocket) {
    DropCause d = new DropCause();
    webSocket.pipeline().addFirst("ferry-drop-cause", d);
    return d;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable t) {
    if (cause == null) {
      cause = t;
    }
    ctx.fireExceptionCaught(t);
  }

  /** What the user is told: the error's message, or that the connection just closed. */
  String describe() {
    Throwable t = cause;
    if (t == null) {
      return "closed without a close frame";
    }
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }
}
