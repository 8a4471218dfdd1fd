package dev.ferry.client.tunnel;

import dev.ferry.tunnel.Frame;
import dev.ferry.tunnel.relay.Relay;
import dev.ferry.tunnel.relay.RelayListener;
import io.netty.channel.Channel;
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
    Relay relay = new Relay(channel, tcp, listener, true);
    if (channel.eventLoop().inEventLoop()) {
      begin(relay);
    } else {
      channel.eventLoop().execute(() -> begin(relay));
    }
    return relay;
  }

  private void begin(Relay relay) {
    relay.start();
    // Frames that arrived right behind SESSION are handed to the relay now.
    if (channel.pipeline().get(ClientHandshakeHandler.class) != null) {
      channel.pipeline().remove(ClientHandshakeHandler.class);
    }
  }

  /** Closes the WebSocket without a close frame (for tunnels never relayed). */
  public void close() {
    channel.close();
  }
}
