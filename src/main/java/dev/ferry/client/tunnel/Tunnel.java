package dev.ferry.client.tunnel;

import dev.ferry.tunnel.Frame;
import dev.ferry.tunnel.relay.Relay;
import dev.ferry.tunnel.relay.RelayListener;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An open tunnel: the WebSocket after the upgrade and the gateway's SESSION frame. Nothing is read
 * from it until {@link #startRelay} (or another consumer) takes over.
 */
public final class Tunnel {
  private final Channel channel;
  private final Frame.Session session;
  final AtomicLong rttNanos = new AtomicLong(-1);

  /** On a resumed tunnel, the DATA bytes the gateway had received; -1 on a new one. */
  long peerReceived = -1;

  Tunnel(Channel channel, Frame.Session session) {
    this.channel = channel;
    this.session = session;
  }

  public Channel channel() {
    return channel;
  }

  public Frame.Session session() {
    return session;
  }

  /** The round trip of the last keepalive ping, or null before the first pong. */
  public Duration lastRtt() {
    long n = rttNanos.get();
    return n < 0 ? null : Duration.ofNanos(n);
  }

  /**
   * Relays {@code tcp} through this tunnel. The TCP channel must be on this tunnel's event loop;
   * the relay starts there (right away when called on it).
   */
  public Relay startRelay(Channel tcp, RelayListener listener) {
    return startRelay(tcp, listener, false);
  }

  /**
   * Like {@link #startRelay(Channel, RelayListener)}; with {@code resumable} (and a gateway that
   * offers a resume window) the relay survives a dropped WebSocket: the listener then gets {@link
   * RelayListener#tunnelLost} and must resume it ({@link #resumeRelay}) or close it.
   */
  public Relay startRelay(Channel tcp, RelayListener listener, boolean resumable) {
    Relay relay =
        new Relay(channel, tcp, listener, true, resumable && session.resumeWindowMs() > 0);
    if (channel.eventLoop().inEventLoop()) {
      begin(relay);
    } else {
      channel.eventLoop().execute(() -> begin(relay));
    }
    return relay;
  }

  /** On a resumed tunnel, the DATA bytes the gateway had received; -1 on a new one. */
  public long peerReceived() {
    return peerReceived;
  }

  /**
   * Continues {@code relay} (which lost its WebSocket) on this resumed tunnel. Call on the relay's
   * event loop, which must be this tunnel's. Returns false, closing this tunnel, when the gateway's
   * count does not fit what the relay still holds.
   */
  public boolean resumeRelay(Relay relay) {
    if (peerReceived < 0 || !relay.canResumeFrom(peerReceived)) {
      channel.close();
      return false;
    }
    relay.attach(channel, peerReceived);
    if (channel.pipeline().get(ClientHandshakeHandler.class) != null) {
      channel.pipeline().remove(ClientHandshakeHandler.class);
    }
    return true;
  }

  private void begin(Relay relay) {
    relay.start();
    // Frames that arrived right behind SESSION are handed to the relay now.
    if (channel.pipeline().get(ClientHandshakeHandler.class) != null) {
      channel.pipeline().remove(ClientHandshakeHandler.class);
    }
  }

  /**
   * Closes the WebSocket (for tunnels never relayed) with a close frame, so that the gateway ends
   * the session at once instead of holding it for a resume.
   */
  public void close() {
    if (channel.isActive()) {
      channel
          .writeAndFlush(new CloseWebSocketFrame(1001, "client closed"))
          .addListener(ChannelFutureListener.CLOSE);
    } else {
      channel.close();
    }
  }
}
