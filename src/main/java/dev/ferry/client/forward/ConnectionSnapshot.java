package dev.ferry.client.forward;

import java.time.Instant;

/**
 * One local connection of a {@link Forwarder} as it was when sampled.
 *
 * @param clientPort the local client's port on 127.0.0.1
 * @param since when the forwarder accepted it
 * @param bytesUp bytes from the local client towards the target so far
 * @param bytesDown bytes from the target to the local client so far
 * @param state whether its tunnel is still being opened, relaying, or resuming
 * @param resumes how many times its WebSocket dropped and was resumed so far
 */
public record ConnectionSnapshot(
    int clientPort, Instant since, long bytesUp, long bytesDown, State state, int resumes) {

  /** Where a local connection is in its life. */
  public enum State {
    /** Accepted; waiting for a token and the gateway's answer. */
    OPENING,
    /** The tunnel is up and bytes flow. */
    OPEN,
    /**
     * The WebSocket under it dropped; the local connection is held (unread) while the tunnel is
     * being resumed.
     */
    RESUMING
  }
}
