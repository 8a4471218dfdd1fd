package dev.ferry.client.forward;

import dev.ferry.tunnel.TunnelError;

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

  /** The gateway said something for the user (draining, token expiring, why a tunnel closes). */
  default void notice(String message) {}

  ForwarderListener NONE = new ForwarderListener() {};
}
