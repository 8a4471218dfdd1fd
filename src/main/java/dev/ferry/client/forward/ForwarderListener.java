package dev.ferry.client.forward;

import dev.ferry.tunnel.TunnelError;
import java.time.Duration;
import java.time.Instant;

/** What a {@link Forwarder} reports per local connection. Called on I/O threads: be quick. */
public interface ForwarderListener {

  /** A local client connected; its tunnel is being opened. */
  default void connectionOpened(int localPort) {}

  /** The tunnel of a local connection was refused (or the gateway unreachable); it was closed. */
  default void connectionRefused(int localPort, TunnelError error, String detail) {}

  /**
   * A relayed connection ended.
   *
   * @param bytesUp bytes from the local client to the target
   * @param bytesDown bytes from the target to the local client
   * @param reason "completed", "client-closed", or the gateway's close reason
   */
  default void connectionClosed(long bytesUp, long bytesDown, String reason) {}

  /**
   * {@link #connectionRefused(int, TunnelError, String)} with when the local client connected. The
   * forwarder calls this one; by default it forwards to the shorter form, so listeners written
   * against either keep working.
   *
   * @param openedAt when the forwarder accepted the local connection
   */
  default void connectionRefused(
      int localPort, Instant openedAt, TunnelError error, String detail) {
    connectionRefused(localPort, error, detail);
  }

  /**
   * {@link #connectionClosed(long, long, String)} with the local client's port and when it
   * connected: enough to record a session. The forwarder calls this one; by default it forwards to
   * the shorter form.
   *
   * @param localPort the local client's port on the loopback address
   * @param openedAt when the forwarder accepted the local connection
   */
  default void connectionClosed(
      int localPort, Instant openedAt, long bytesUp, long bytesDown, String reason) {
    connectionClosed(bytesUp, bytesDown, reason);
  }

  /**
   * A local client connected while the forwarder's connection limit was reached; it was closed at
   * once, without a tunnel.
   *
   * @param message e.g. "limit of 3 connections reached"
   */
  default void connectionLimited(int localPort, String message) {}

  /**
   * The WebSocket under a local connection dropped without a close frame; the local connection is
   * held open while the tunnel is being resumed. Followed by {@link #connectionResumed} or {@link
   * #resumeFailed} (or, if the local client goes away meanwhile, only by {@link
   * #connectionClosed}).
   *
   * @param why what was seen, e.g. "Connection reset by peer"
   */
  default void connectionInterrupted(int localPort, String why) {}

  /**
   * The tunnel of a local connection was resumed after {@link #connectionInterrupted}; bytes flow
   * again, none lost.
   *
   * @param outage from the drop being noticed to the resumed tunnel
   * @param attempts reconnects it took, at least 1
   */
  default void connectionResumed(int localPort, Duration outage, int attempts) {}

  /**
   * The WebSocket under a local connection dropped and could not be resumed (refused, or not within
   * the gateway's resume window); the local connection is closed next.
   */
  default void resumeFailed(int localPort, String detail) {}

  /** The gateway said something for the user (draining, token expiring, why a tunnel closes). */
  default void notice(String message) {}

  /**
   * Something on this side the user should know, e.g. that no fresh token can be had so tunnels
   * will end when the current one expires. By default shown like a {@link #notice}.
   */
  default void warning(String message) {
    notice(message);
  }

  ForwarderListener NONE = new ForwarderListener() {};
}
