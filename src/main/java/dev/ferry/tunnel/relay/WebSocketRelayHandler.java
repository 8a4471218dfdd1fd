package dev.ferry.tunnel.relay;

import dev.ferry.tunnel.Frame;
import dev.ferry.tunnel.FrameCodec;
import dev.ferry.tunnel.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WebSocket side of a relay: decodes ferry.v1 frames; DATA goes to the TCP peer (or waits in the
 * relay while TCP cannot take it), EOF half-closes it after that, control frames take effect at
 * once, pings are answered while the socket takes writes, anything else binary-only ferry.v1
 * forbids ends the tunnel with 4400. Reads go on while TCP is blocked: the peer's flow-control
 * window bounds what waits.
 */
final class WebSocketRelayHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(WebSocketRelayHandler.class);

  private final Relay relay;

  WebSocketRelayHandler(Relay relay) {
    this.relay = relay;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (ctx.channel() != relay.ws || relay.detached) {
        return; // a WebSocket the relay has left (lost, or resumed elsewhere)
      }
      if (msg instanceof BinaryWebSocketFrame bin && bin.isFinalFragment()) {
        onMessage(bin.content());
      } else if (msg instanceof PingWebSocketFrame ping) {
        // A peer that pings without reading would otherwise fill memory with pongs: while the
        // socket is backed up, pings go unanswered (RFC 6455 §5.5.3 lets a pong cover many pings).
        if (!relay.closeFrameSent && ctx.channel().isWritable()) {
          ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()), ctx.voidPromise());
        }
      } else if (msg instanceof PongWebSocketFrame) {
        // Keepalive answers carry nothing for the relay (and do not count as activity).
      } else if (msg instanceof CloseWebSocketFrame close) {
        relay.onCloseFrame(close.statusCode(), close.reasonText());
      } else if (msg instanceof WebSocketFrame) {
        if (!relay.closeFrameSent) {
          relay.onProtocolError(
              msg instanceof BinaryWebSocketFrame
                  ? "fragmented messages are not allowed"
                  : "only binary messages are allowed");
        }
      } else {
        log.debug("{}: unexpected {}", ctx.channel(), msg.getClass().getSimpleName());
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onMessage(ByteBuf message) {
    if (relay.closeFrameSent || relay.terminating) {
      return;
    }
    Frame frame;
    try {
      frame = FrameCodec.decode(message);
    } catch (ProtocolException e) {
      relay.onProtocolError(e.getMessage());
      return;
    }
    if (frame instanceof Frame.Data data) {
      relay.onData(data.payload());
    } else if (frame instanceof Frame.Eof eof) {
      relay.onEofFrame(eof.totalBytes());
    } else if (frame instanceof Frame.Ack ack) {
      relay.onAck(ack.totalBytes());
      relay.listener.controlFrame(frame);
      relay.checkFinished();
    } else if (frame != null) {
      relay.listener.controlFrame(frame);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (ctx.channel() != relay.ws) {
      return;
    }
    relay.flushTcp();
    if (!relay.terminating && !relay.detached) {
      // Also while TCP is blocked: control frames must not wait behind DATA (PROTOCOL.md §4).
      ctx.read();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel() == relay.ws && ctx.channel().isWritable() && relay.canReadTcp()) {
      relay.tcp.read();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    relay.onWebSocketInactive(ctx.channel());
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof CorruptedWebSocketFrameException c
        && c.closeStatus() != null
        && !relay.closeFrameSent) {
      // The decoder refused a frame from its header (too large: 1009, unmasked: 1002). The peer
      // gets that standard code and the reason at once, the session still ends as a protocol
      // error, and the channel is cut: its input is garbage from here on.
      relay.closeFrameSent = true;
      relay.onProtocolError(c.getMessage());
      ctx.writeAndFlush(new CloseWebSocketFrame(c.closeStatus().code(), c.getMessage()))
          .addListener(ChannelFutureListener.CLOSE);
    } else if (cause instanceof CorruptedWebSocketFrameException
        || cause instanceof TooLongFrameException
        || cause instanceof CorruptedFrameException) {
      relay.onProtocolError(cause.getMessage());
    } else {
      log.debug("{}: {}", ctx.channel(), cause.toString());
      ctx.close();
    }
  }
}
