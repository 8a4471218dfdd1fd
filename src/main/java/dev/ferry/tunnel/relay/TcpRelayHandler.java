package dev.ferry.tunnel.relay;

import dev.ferry.tunnel.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** TCP side of a relay: bytes read from the TCP peer become DATA frames on the WebSocket. */
final class TcpRelayHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(TcpRelayHandler.class);

  private final Relay relay;
  private Throwable cause;
  private int batch;

  TcpRelayHandler(Relay relay) {
    this.relay = relay;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf buf = (ByteBuf) msg;
    if (relay.terminating || relay.closeFrameSent) {
      buf.release();
      return;
    }
    // The receive allocator caps reads at one frame; the loop only guards a reconfigured channel.
    while (buf.readableBytes() > Protocol.MAX_DATA_PAYLOAD) {
      send(buf.readRetainedSlice(Protocol.MAX_DATA_PAYLOAD));
    }
    if (buf.isReadable()) {
      send(buf);
    } else {
      buf.release();
    }
  }

  private void send(ByteBuf payload) {
    batch += payload.readableBytes();
    relay.sendData(payload);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (batch > 0) {
      // Counted once per read batch, not per byte or per frame.
      int n = batch;
      batch = 0;
      relay.ws.flush();
      relay.listener.bytesFromTcp(n);
    }
    if (relay.canReadTcp()) {
      ctx.read();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable() && !relay.terminating && !relay.detached) {
      // The TCP peer drained what the tunnel gave it: hand it what waited meanwhile.
      relay.drainPending();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      relay.onTcpInputShutdown();
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    relay.onTcpInactive(cause);
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable t) {
    log.debug("{}: {}", ctx.channel(), t.toString());
    if (cause == null) {
      cause = t;
    }
    ctx.close();
  }
}
