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
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays one TCP connection through one ferry.v1 WebSocket, both ways, with explicit backpressure:
 * neither channel reads on its own, and half-close travels as EOF frames. Both channels must live
 * on the same event loop, so the state below needs no locking.
 *
 * <p>Flow control (PROTOCOL.md §4): TCP is read only while the WebSocket can take more and fewer
 * than {@link Protocol#FLOW_WINDOW_BYTES} of the DATA sent are unacknowledged. The WebSocket is
 * read all the time, so control frames (TOKEN, ACK, NOTICE, pings) never wait behind DATA: DATA
 * (and an EOF behind it) that the TCP side cannot take yet waits in {@link #pending}, which the
 * peer's window bounds; a peer that sends beyond it is a protocol error. ACKs count only bytes
 * handed to the TCP channel, never pending ones, which is what makes that bound hold.
 *
 * <p>A <em>resumable</em> relay also keeps the DATA it sent until the peer acknowledges it (at most
 * {@link #REPLAY_CAP} bytes plus one frame, by the same window). When its WebSocket drops without a
 * close frame it keeps the TCP connection, stops reading it and reports {@link
 * RelayListener#tunnelLost}; its owner then either {@link #attach}es a new WebSocket to the same
 * loop, which resends what the peer has not received, or ends it with {@link #closeTunnel}.
 */
public final class Relay {
  private static final Logger log = LoggerFactory.getLogger(Relay.class);

  /** Water marks for both channels of a tunnel: writes above 1 MiB pause the reading side. */
  public static final WriteBufferWaterMark WATER_MARK =
      new WriteBufferWaterMark(256 * 1024, 1024 * 1024);

  /**
   * Most unacknowledged DATA bytes a relay sends, and so a resumable one keeps (plus at most one
   * DATA frame read while it filled): the protocol's flow-control window. Well above {@link
   * Protocol#ACK_INTERVAL_BYTES} plus what is in flight between two ACKs (water marks and socket
   * buffers), so that it only binds when the peer stalls.
   */
  public static final int REPLAY_CAP = Protocol.FLOW_WINDOW_BYTES;

  /**
   * Most DATA bytes a peer may have sent beyond this side's last acknowledgement: the window plus
   * the one frame a sender may read once it was just below it.
   */
  static final long RECEIVE_LIMIT = (long) Protocol.FLOW_WINDOW_BYTES + Protocol.MAX_DATA_PAYLOAD;

  /**
   * Pending payloads smaller than this are copied into shared buffers rather than kept as slices of
   * what was read: a peer's window of tiny frames would otherwise cost an object (and a pinned read
   * buffer) per few bytes. Larger ones are kept as they are, without a copy.
   */
  private static final int GATHER_BELOW = 4096;

  /** How long a close frame waits for the peer's answer before the connection is cut. */
  static final long CLOSE_TIMEOUT_MS = 2000;

  /** Reads from TCP never exceed one DATA frame, so no frame ever needs splitting or copying. */
  public static RecvByteBufAllocator tcpRecvAllocator() {
    return new AdaptiveRecvByteBufAllocator(512, 16 * 1024, Protocol.MAX_DATA_PAYLOAD);
  }

  Channel ws;
  final Channel tcp;
  final RelayListener listener;
  private final boolean maskData;
  final boolean resumable;

  /** Sent DATA not yet acknowledged, oldest first; only in a resumable relay. */
  private final ArrayDeque<ByteBuf> replay = new ArrayDeque<>();

  /** Stream offset of the first byte in {@link #replay}. */
  long replayStart;

  private volatile long replayPeak;
  private volatile int resumes;
  boolean detached;

  /**
   * DATA received while the TCP side could not take it, oldest first: retained slices of what was
   * read, or copies of small payloads gathered in {@link #gathering}.
   */
  private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();

  /** The last buffer of {@link #pending} when it is this relay's own copy that can take more. */
  private ByteBuf gathering;

  private long pendingBytes;
  private volatile long pendingPeak;

  /** An EOF arrived behind {@link #pending}: the TCP output is shut once that is written. */
  private boolean eofPending;

  private boolean draining;

  /** DATA bytes handed to the TCP channel since the last report to the listener. */
  private int handedBatch;

  long sentBytes;
  long receivedBytes;
  long handedBytes;
  long nextAckAt = Protocol.ACK_INTERVAL_BYTES;

  /** The highest count this side acknowledged (ACK frames, a resume's count). */
  long ackedBytes;

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
    this(ws, tcp, listener, maskData, false);
  }

  /**
   * @param resumable keep sent DATA until acknowledged and survive a lost WebSocket (see above)
   */
  public Relay(
      Channel ws, Channel tcp, RelayListener listener, boolean maskData, boolean resumable) {
    if (ws.eventLoop() != tcp.eventLoop()) {
      throw new IllegalArgumentException("both channels of a relay must share one event loop");
    }
    this.ws = ws;
    this.tcp = tcp;
    this.listener = listener;
    this.maskData = maskData;
    this.resumable = resumable;
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
    tcp.config().setAutoRead(false);
    tcp.config().setWriteBufferWaterMark(WATER_MARK);
    tcp.config().setRecvByteBufAllocator(tcpRecvAllocator());
    install(ws);
    tcp.pipeline().addLast("relay", new TcpRelayHandler(this));
    tcp.closeFuture().addListener(f -> releasePending());
    if (resumable) {
      tcp.closeFuture().addListener(f -> releaseReplay());
    }
    if (!ws.isActive()) {
      onWebSocketInactive(ws);
      return;
    }
    if (!tcp.isActive()) {
      onTcpInactive(null);
      return;
    }
    ws.read();
    tcp.read();
  }

  private void install(Channel webSocket) {
    webSocket.config().setAutoRead(false);
    webSocket.config().setWriteBufferWaterMark(WATER_MARK);
    webSocket.pipeline().addLast("relay-data", new DataFrameEncoder(maskData));
    webSocket.pipeline().addLast("relay", new WebSocketRelayHandler(this));
  }

  /** The current WebSocket (after a resume, the new one). */
  public Channel webSocket() {
    return ws;
  }

  /** True while a resumable relay has lost its WebSocket and waits for {@link #attach}. */
  public boolean isDetached() {
    return detached;
  }

  /** How often a new WebSocket was attached. Any thread. */
  public int resumes() {
    return resumes;
  }

  /** Sent DATA bytes not yet acknowledged and kept for a resume. */
  public long replayBytes() {
    return resumable ? sentBytes - replayStart : 0;
  }

  /**
   * The most unacknowledged bytes the replay buffer ever held; never above {@link #REPLAY_CAP} plus
   * one DATA frame. Any thread.
   */
  public long replayPeak() {
    return replayPeak;
  }

  /** Received DATA bytes waiting for the TCP side to take them. */
  public long pendingBytes() {
    return pendingBytes;
  }

  /**
   * The most received DATA bytes that ever waited for the TCP side; never above the window plus one
   * DATA frame ({@link #RECEIVE_LIMIT}), whatever the peer does. Any thread.
   */
  public long pendingPeak() {
    return pendingPeak;
  }

  /**
   * Whether a peer that received {@code peerReceived} bytes can continue from here: everything
   * after its count must still be in the replay buffer.
   */
  public boolean canResumeFrom(long peerReceived) {
    return resumable && !terminating && peerReceived >= replayStart && peerReceived <= sentBytes;
  }

  /**
   * Continues on {@code webSocket} (same event loop, upgrade done, nothing reading it) after the
   * old one was lost, or is presumed lost: the old one is closed. Resends the DATA after {@code
   * peerReceived} and, if this side's input had ended, the EOF. Call on the event loop, after
   * {@link #canResumeFrom} said yes.
   */
  public void attach(Channel webSocket, long peerReceived) {
    assert tcp.eventLoop().inEventLoop();
    if (webSocket.eventLoop() != tcp.eventLoop()) {
      throw new IllegalArgumentException("the new WebSocket must be on the relay's event loop");
    }
    if (!canResumeFrom(peerReceived)) {
      throw new IllegalStateException("cannot resume from " + peerReceived);
    }
    Channel old = ws;
    ws = webSocket;
    detached = false;
    resumes++;
    // The old connection may still look alive (the peer noticed the drop first): it is dead to us.
    old.close();
    install(webSocket);
    // The peer resends from the count this side gave it (pending DATA was dropped at the loss).
    ackedBytes = Math.max(ackedBytes, receivedBytes);
    onAck(peerReceived);
    for (ByteBuf b : replay) {
      webSocket.write(new DataFrame(b.retainedDuplicate(), true), webSocket.voidPromise());
    }
    if (tcpInputDone) {
      sendEof();
    }
    if (eofReceived) {
      sendAck(receivedBytes);
    }
    webSocket.flush();
    if (!webSocket.isActive()) {
      onWebSocketInactive(webSocket);
      return;
    }
    webSocket.read();
    if (canReadTcp()) {
      tcp.read();
    }
    checkFinished();
  }

  /**
   * Treats the current WebSocket as lost (it is closed without a close frame): a resume arrived
   * while this side still thought it alive. The owner gets no {@link RelayListener#tunnelLost}.
   */
  public void detach() {
    assert tcp.eventLoop().inEventLoop();
    if (resumable && !detached && !terminating) {
      detached = true;
      dropPending();
      ws.close();
    }
  }

  /**
   * Whether to read more from TCP: the input is open, the tunnel can take it, and the peer has
   * acknowledged all but less than the window (a resumable relay's replay buffer has room).
   *
   * <p>With auto-read off, NIO reads once per {@code read()}, at most one frame ({@link
   * #tcpRecvAllocator}), so the window is overshot by less than a frame. Native epoll (opt-in, see
   * {@code Transport}) keeps reading once it saw the peer's FIN (its allocator handle ignores
   * auto-read after RDHUP), which could overshoot it by what the socket buffer holds; not seen in a
   * test yet, so holding such reads back is left for when epoll becomes the default.
   */
  boolean canReadTcp() {
    return !tcpInputDone
        && !terminating
        && !detached
        && ws.isWritable()
        && sentBytes - peerAcked < REPLAY_CAP;
  }

  /** Sends {@code payload} as DATA; a resumable relay keeps it until acknowledged. */
  void sendData(ByteBuf payload) {
    sentBytes += payload.readableBytes();
    if (!resumable) {
      ws.write(new DataFrame(payload), ws.voidPromise());
      return;
    }
    replay.addLast(payload);
    long held = sentBytes - replayStart;
    if (held > replayPeak) {
      replayPeak = held;
    }
    ws.write(new DataFrame(payload.retainedDuplicate(), true), ws.voidPromise());
  }

  /**
   * The peer handed {@code total} bytes to its TCP peer: forget them, and read again if the window
   * had filled.
   */
  void onAck(long total) {
    boolean wasFull = sentBytes - peerAcked >= REPLAY_CAP;
    peerAcked = Math.max(peerAcked, total);
    while (!replay.isEmpty() && replayStart < peerAcked) {
      ByteBuf first = replay.peekFirst();
      int drop = (int) Math.min(first.readableBytes(), peerAcked - replayStart);
      first.skipBytes(drop);
      replayStart += drop;
      if (!first.isReadable()) {
        replay.pollFirst().release();
      }
    }
    if (wasFull && canReadTcp()) {
      tcp.read();
    }
  }

  // ---- receiving: DATA to the TCP side, in order, never more than the peer's window ----

  /** A DATA payload from the tunnel; this relay now owns it. */
  void onData(ByteBuf payload) {
    if (eofReceived) {
      payload.release();
      onProtocolError("DATA after EOF");
      return;
    }
    int n = payload.readableBytes();
    if (receivedBytes + n - ackedBytes >= RECEIVE_LIMIT) {
      payload.release();
      onProtocolError(
          "DATA beyond the flow-control window: more than "
              + (Protocol.FLOW_WINDOW_BYTES >> 20)
              + " MiB sent unacknowledged");
      return;
    }
    receivedBytes += n;
    if (pending.isEmpty() && tcp.isWritable()) {
      hand(payload);
    } else {
      enqueue(payload);
    }
  }

  /** Writes {@code payload} to TCP; the ACK for it goes out once the write is done. */
  private void hand(ByteBuf payload) {
    int n = payload.readableBytes();
    handedBytes += n;
    handedBatch += n;
    if (handedBytes >= nextAckAt) {
      long ack = handedBytes;
      nextAckAt = ack + Protocol.ACK_INTERVAL_BYTES;
      // Writes complete in order: once this one is written, everything up to ack is.
      tcp.write(payload)
          .addListener(
              (ChannelFutureListener)
                  f -> {
                    if (f.isSuccess()) {
                      sendAck(ack);
                    }
                  });
    } else {
      tcp.write(payload, tcp.voidPromise());
    }
  }

  private void enqueue(ByteBuf payload) {
    int n = payload.readableBytes();
    pendingBytes += n;
    if (pendingBytes > pendingPeak) {
      pendingPeak = pendingBytes;
    }
    if (n >= GATHER_BELOW) {
      pending.addLast(payload);
      gathering = null;
      return;
    }
    if (gathering == null || gathering.writableBytes() < n) {
      gathering = tcp.alloc().directBuffer(Protocol.MAX_DATA_PAYLOAD, Protocol.MAX_DATA_PAYLOAD);
      pending.addLast(gathering);
    }
    gathering.writeBytes(payload);
    payload.release();
  }

  /** Hands pending DATA to TCP while it takes more; applies a pending EOF once all is handed. */
  void drainPending() {
    if (draining) {
      return; // a flush below made TCP writable again: the loop sees it
    }
    draining = true;
    try {
      do {
        while (!pending.isEmpty() && tcp.isWritable()) {
          handFirstPending();
        }
        if (pending.isEmpty() && eofPending) {
          eofPending = false;
          shutTcpOutput();
        }
        flushTcp();
      } while (!pending.isEmpty() && tcp.isWritable());
    } finally {
      draining = false;
    }
  }

  private void handFirstPending() {
    ByteBuf b = pending.pollFirst();
    if (b == gathering) {
      gathering = null;
    }
    pendingBytes -= b.readableBytes();
    hand(b);
  }

  /** Flushes what was handed to TCP and tells the listener how much. */
  void flushTcp() {
    if (handedBatch > 0) {
      int n = handedBatch;
      handedBatch = 0;
      tcp.flush();
      listener.bytesFromTunnel(n);
    }
  }

  /**
   * The WebSocket is lost and a resume will follow: what waits for TCP is dropped and counted as
   * never received, so the count this side reports makes the peer resend it (it still holds it:
   * none of it was acknowledged). Memory stays bounded by one window across any number of resumes.
   */
  private void dropPending() {
    receivedBytes -= pendingBytes;
    releasePending();
    if (eofPending) {
      eofPending = false;
      eofReceived = false;
    }
  }

  private void releasePending() {
    ByteBuf b;
    while ((b = pending.pollFirst()) != null) {
      b.release();
    }
    gathering = null;
    pendingBytes = 0;
  }

  private void releaseReplay() {
    ByteBuf b;
    while ((b = replay.pollFirst()) != null) {
      b.release();
    }
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

  /** Closes the TCP connection after flushing what is queued for it, pending DATA included. */
  public void closeTcp() {
    if (tcp.isActive()) {
      while (!pending.isEmpty()) {
        handFirstPending();
      }
      flushTcp();
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
    if (!detached) {
      sendEof();
    }
  }

  private void sendEof() {
    Channel w = ws;
    w.writeAndFlush(new BinaryWebSocketFrame(FrameCodec.eof(w.alloc(), sentBytes)))
        .addListener(
            f -> {
              if (f.isSuccess() && w == ws) {
                eofSent = true;
                checkFinished();
              }
            });
  }

  void onEofFrame(long total) {
    if (eofReceived && resumes > 0 && total == receivedBytes) {
      // Resent after a resume because the peer did not know this side had it.
      return;
    }
    if (eofReceived) {
      onProtocolError("second EOF frame");
      return;
    }
    if (total != receivedBytes) {
      onProtocolError("EOF counts " + total + " bytes but " + receivedBytes + " arrived");
      return;
    }
    eofReceived = true;
    if (pending.isEmpty()) {
      shutTcpOutput();
    } else {
      eofPending = true;
    }
  }

  private void shutTcpOutput() {
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
                          sendAck(handedBytes);
                          checkFinished();
                        }
                      });
            });
  }

  void sendAck(long total) {
    if (!closeFrameSent && ws.isActive()) {
      ackedBytes = Math.max(ackedBytes, total);
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

  void onWebSocketInactive(Channel webSocket) {
    if (webSocket != ws || detached) {
      return; // a WebSocket this relay already left
    }
    if (resumable && !terminating && !closeFrameReceived && !closeFrameSent) {
      detached = true;
      dropPending();
      listener.tunnelLost();
      return;
    }
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
