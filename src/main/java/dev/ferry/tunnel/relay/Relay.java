package dev.ferry.tunnel.relay;

import dev.ferry.tunnel.FrameCodec;
import dev.ferry.tunnel.Protocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays one TCP connection through one ferry.v1 WebSocket, both ways, with explicit backpressure:
 * neither channel reads on its own; each reads more only while the other can take it, and
 * half-close travels as EOF frames. Both channels must live on the same event loop, so the state
 * below needs no locking.
 *
 * <p>Memory per relay is bounded by the water marks of both channels plus one read batch, whatever
 * the peers do.
 */
public final class Relay {
  private static final Logger log = LoggerFactory.getLogger(Relay.class);

  /** Water marks for both channels of a tunnel: writes above 1 MiB pause the reading side. */
  public static final WriteBufferWaterMark WATER_MARK =
      new WriteBufferWaterMark(256 * 1024, 1024 * 1024);

  /** How long a close frame waits for the peer's answer before the connection is cut. */
  static final long CLOSE_TIMEOUT_MS = 2000;

  /** Reads from TCP never exceed one DATA frame, so no frame ever needs splitting or copying. */
  public static RecvByteBufAllocator tcpRecvAllocator() {
    return new AdaptiveRecvByteBufAllocator(512, 16 * 1024, Protocol.MAX_DATA_PAYLOAD);
  }

  final Channel ws;
  final Channel tcp;
  final RelayListener listener;
  private final boolean maskData;

  long sentBytes;
  long receivedBytes;
  long nextAckAt = Protocol.ACK_INTERVAL_BYTES;
  long peerAcked;
  boolean tcpInputDone;
  boolean eofSent;
  boolean eofReceived;
  boolean tcpOutputShut;
  boolean finished;
  boolean terminating;
  boolean closeFrameSent;
  boolean closeFrameReceived;
  private boolean started;

  /**
   * @param maskData true on the client side of the WebSocket, which masks what it sends (the server
   *     side must not)
   */
  public Relay(Channel ws, Channel tcp, RelayListener listener, boolean maskData) {
    if (ws.eventLoop() != tcp.eventLoop()) {
      throw new IllegalArgumentException("both channels of a relay must share one event loop");
    }
    this.ws = ws;
    this.tcp = tcp;
    this.listener = listener;
    this.maskData = maskData;
  }

  /**
   * Installs the relay handlers at the end of both pipelines and starts reading. Call on the event
   * loop, once the WebSocket handshake is done and nothing else reads from either channel.
   */
  public void start() {
    assert ws.eventLoop().inEventLoop();
    if (started) {
      throw new IllegalStateException("relay already started");
    }
    started = true;
    ws.config().setAutoRead(false);
    tcp.config().setAutoRead(false);
    ws.config().setWriteBufferWaterMark(WATER_MARK);
    tcp.config().setWriteBufferWaterMark(WATER_MARK);
    tcp.config().setRecvByteBufAllocator(tcpRecvAllocator());
    ws.pipeline().addLast("relay-data", new DataFrameEncoder(maskData));
    ws.pipeline().addLast("relay", new WebSocketRelayHandler(this));
    tcp.pipeline().addLast("relay", new TcpRelayHandler(this));
    if (!ws.isActive()) {
      onWebSocketInactive();
      return;
    }
    if (!tcp.isActive()) {
      onTcpInactive(null);
      return;
    }
    ws.read();
    tcp.read();
  }

  public Channel webSocket() {
    return ws;
  }

  public Channel tcp() {
    return tcp;
  }

  /** DATA bytes read from the TCP peer and sent into the tunnel. */
  public long sentBytes() {
    return sentBytes;
  }

  /** DATA bytes received from the tunnel. */
  public long receivedBytes() {
    return receivedBytes;
  }

  /** The highest count the peer acknowledged. */
  public long peerAcked() {
    return peerAcked;
  }

  public boolean isTerminating() {
    return terminating;
  }

  /** Sends a control frame (NOTICE, ...) right away, after data already queued. */
  public void sendControl(ByteBuf frame) {
    if (closeFrameSent || !ws.isActive()) {
      frame.release();
      return;
    }
    ws.writeAndFlush(new BinaryWebSocketFrame(frame), ws.voidPromise());
  }

  /**
   * Ends the tunnel: a close frame after the data already queued, then the TCP connection once its
   * pending writes are flushed. The WebSocket is cut when the peer answers, or after a short wait.
   * Later calls do nothing.
   */
  public void closeTunnel(int code, String reason) {
    terminating = true;
    if (closeFrameSent) {
      closeTcp();
      return;
    }
    closeFrameSent = true;
    closeTcp();
    if (!ws.isActive()) {
      return;
    }
    // Keep reading so the peer's close frame arrives; DATA after this point is dropped.
    ws.config().setAutoRead(true);
    ws.writeAndFlush(new CloseWebSocketFrame(code, truncate(reason)))
        .addListener(
            f -> {
              if (!f.isSuccess() || closeFrameReceived) {
                ws.close();
              }
            });
    ScheduledFuture<?> cut =
        ws.eventLoop().schedule(() -> ws.close(), CLOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    ws.closeFuture().addListener(f -> cut.cancel(false));
  }

  /** Closes the TCP connection after flushing what is queued for it. */
  public void closeTcp() {
    if (tcp.isActive()) {
      tcp.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  // ---- events from the handlers ----

  void onTcpInputShutdown() {
    if (tcpInputDone) {
      return;
    }
    tcpInputDone = true;
    if (terminating) {
      return;
    }
    long total = sentBytes;
    ws.writeAndFlush(new BinaryWebSocketFrame(FrameCodec.eof(ws.alloc(), total)))
        .addListener(
            f -> {
              if (f.isSuccess()) {
                eofSent = true;
                checkFinished();
              }
            });
  }

  void onEofFrame(long total) {
    if (eofReceived) {
      onProtocolError("second EOF frame");
      return;
    }
    if (total != receivedBytes) {
      onProtocolError("EOF counts " + total + " bytes but " + receivedBytes + " arrived");
      return;
    }
    eofReceived = true;
    // The empty write completes after everything queued before it, then the half-close follows.
    tcp.writeAndFlush(Unpooled.EMPTY_BUFFER)
        .addListener(
            f -> {
              if (!f.isSuccess() || !(tcp instanceof DuplexChannel duplex)) {
                return;
              }
              duplex
                  .shutdownOutput()
                  .addListener(
                      s -> {
                        if (s.isSuccess()) {
                          tcpOutputShut = true;
                          sendAck(receivedBytes);
                          checkFinished();
                        }
                      });
            });
    ws.read();
  }

  void sendAck(long total) {
    if (!closeFrameSent && ws.isActive()) {
      ws.writeAndFlush(
          new BinaryWebSocketFrame(FrameCodec.ack(ws.alloc(), total)), ws.voidPromise());
    }
  }

  /**
   * Done when both EOFs went through and the peer acknowledged every byte sent: only then has it
   * written everything to its own TCP peer, so closing cannot cut data still in flight.
   */
  void checkFinished() {
    if (!finished && eofSent && tcpOutputShut && peerAcked >= sentBytes) {
      finished = true;
      if (!terminating) {
        listener.bothDirectionsDone();
      }
    }
  }

  void onProtocolError(String message) {
    log.debug("{}: protocol error: {}", ws, message);
    if (!terminating) {
      terminating = true;
      listener.protocolError(message);
    }
  }

  void onCloseFrame(int code, String reason) {
    closeFrameReceived = true;
    if (closeFrameSent) {
      ws.close();
      return;
    }
    closeFrameSent = true;
    boolean wasTerminating = terminating;
    terminating = true;
    CloseWebSocketFrame echo =
        code > 0 ? new CloseWebSocketFrame(code, null) : new CloseWebSocketFrame();
    ws.writeAndFlush(echo).addListener(ChannelFutureListener.CLOSE);
    if (!wasTerminating) {
      listener.tunnelClosed(code, reason);
    }
    closeTcp();
  }

  void onWebSocketInactive() {
    if (!terminating) {
      terminating = true;
      listener.tunnelClosed(-1, "connection lost");
    }
    closeTcp();
  }

  void onTcpInactive(Throwable cause) {
    if (!terminating && !(tcpInputDone && tcpOutputShut)) {
      terminating = true;
      listener.tcpClosed(cause);
    }
  }

  private static String truncate(String reason) {
    // A close frame's reason must fit in 123 bytes of UTF-8.
    if (reason == null) {
      return "";
    }
    byte[] utf8 = reason.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    if (utf8.length <= 123) {
      return reason;
    }
    String cut = reason.substring(0, Math.min(reason.length(), 120));
    while (cut.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 120) {
      cut = cut.substring(0, cut.length() - 1);
    }
    return cut + "...";
  }
}
