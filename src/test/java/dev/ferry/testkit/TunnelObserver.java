package dev.ferry.testkit;

import dev.ferry.client.tunnel.Tunnel;
import dev.ferry.tunnel.Frame;
import dev.ferry.tunnel.FrameCodec;
import dev.ferry.tunnel.NoticeCode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Takes over a raw client {@link Tunnel} that nobody relays and records what the gateway sends on
 * it: decoded frames, and the close code and reason (answered with a close of the same code).
 * {@code -1} as the close code means the connection ended without a close frame.
 */
public final class TunnelObserver extends ChannelInboundHandlerAdapter {
  public final List<Frame> frames = new CopyOnWriteArrayList<>();
  public final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
  public volatile String closeReason;

  private TunnelObserver() {}

  /** Replaces the tunnel's handshake handler with an observer and starts reading. */
  public static TunnelObserver attach(Tunnel t) {
    TunnelObserver o = new TunnelObserver();
    t.channel()
        .eventLoop()
        .execute(
            () -> {
              t.channel().pipeline().addLast(o);
              t.channel().pipeline().remove("handshake");
              t.channel().read();
            });
    return o;
  }

  /** Sends one encoded tunnel frame as a binary WebSocket message. */
  public static void send(Tunnel t, ByteBuf frame) {
    t.channel().writeAndFlush(new BinaryWebSocketFrame(frame));
  }

  public boolean sawNotice(NoticeCode code) {
    return frames.stream().anyMatch(f -> f instanceof Frame.Notice n && n.code() == code);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof BinaryWebSocketFrame b) {
        Frame f = FrameCodec.decode(b.content());
        if (f instanceof Frame.Data d) {
          // Only counted, never read: the payload slice is not kept.
          d.payload().release();
        }
        frames.add(f);
      } else if (msg instanceof CloseWebSocketFrame c) {
        closeReason = c.reasonText();
        closeCode.complete(c.statusCode());
        ctx.writeAndFlush(new CloseWebSocketFrame(c.statusCode(), null))
            .addListener(x -> ctx.close());
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // Per batch, not per message: a batch may hold only a pong the keepalive handler swallows.
    ctx.read();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closeCode.complete(-1);
  }
}
