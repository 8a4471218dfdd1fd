package dev.ferry.client.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pings the gateway at a fixed interval so load balancers do not cut an idle tunnel, and measures
 * the round trip from each ping's timestamp echoed in its pong.
 */
final class KeepaliveHandler extends ChannelDuplexHandler {
  private final Duration interval;
  private final AtomicLong rttNanos;
  private ScheduledFuture<?> timer;

  KeepaliveHandler(Duration interval, AtomicLong rttNanos) {
    this.interval = interval;
    this.rttNanos = rttNanos;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    long n = interval.toNanos();
    timer = ctx.executor().scheduleAtFixedRate(() -> ping(ctx), n, n, TimeUnit.NANOSECONDS);
  }

  private void ping(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      ByteBuf stamp = ctx.alloc().buffer(8).writeLong(System.nanoTime());
      ctx.writeAndFlush(new PingWebSocketFrame(stamp), ctx.voidPromise());
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof PongWebSocketFrame pong) {
      try {
        if (pong.content().readableBytes() == 8) {
          rttNanos.set(System.nanoTime() - pong.content().getLong(pong.content().readerIndex()));
        }
      } finally {
        pong.release();
      }
      return;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancel();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    ctx.fireChannelInactive();
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
    }
  }
}
