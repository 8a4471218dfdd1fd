package dev.ferry.tunnel.relay;

import dev.ferry.tunnel.Frame;

/**
 * What one end of a tunnel decides when its {@link Relay} reports something. All callbacks run on
 * the relay's event loop. At most one of the terminal callbacks ({@link #bothDirectionsDone},
 * {@link #tcpClosed}, {@link #tunnelClosed}, {@link #protocolError}) is called, and none after the
 * owner itself called {@link Relay#closeTunnel}.
 */
public interface RelayListener {

  /** A batch of bytes was read from the TCP peer and sent as DATA. */
  default void bytesFromTcp(int bytes) {}

  /** DATA bytes arrived from the tunnel and were handed to the TCP peer. */
  default void bytesFromTunnel(int bytes) {}

  /** A SESSION, NOTICE or ACK frame arrived. */
  default void controlFrame(Frame frame) {}

  /** Both directions saw EOF and everything before them was written. */
  void bothDirectionsDone();

  /** The TCP connection ended (reset, or closed before both EOFs); cause may be null. */
  void tcpClosed(Throwable cause);

  /**
   * The peer closed the WebSocket with {@code code} (a close frame), or the connection was lost
   * without one ({@code code} = -1).
   */
  void tunnelClosed(int code, String reason);

  /**
   * A resumable relay lost its WebSocket without a close frame. It keeps the TCP connection and
   * stops reading it; the owner now either attaches a new WebSocket ({@link Relay#attach}) or ends
   * the relay ({@link Relay#closeTunnel}). Not a terminal callback.
   */
  default void tunnelLost() {}

  /** The peer broke ferry.v1. */
  void protocolError(String message);
}
