package dev.ferry.tunnel;

import io.netty.buffer.ByteBuf;

/** A decoded {@code ferry.v1} frame. One frame travels in one binary WebSocket message. */
public sealed interface Frame {

  /**
   * Bytes of the TCP stream. The payload is a retained slice of the message: whoever takes it owns
   * it and must release it (or pass it on).
   */
  record Data(ByteBuf payload) implements Frame {}

  /** The sender will send no more DATA in its direction (TCP half-close). */
  record Eof(long totalBytes) implements Frame {}

  /** The sender has received this many DATA bytes so far in the other direction. */
  record Ack(long totalBytes) implements Frame {}

  /**
   * First frame from the gateway after the upgrade: what the session is and what bounds it.
   *
   * @param sessionId opaque id, later used to resume
   * @param proxy proxy name
   * @param idleTimeoutMs idle timeout (0 = none)
   * @param maxDurationMs maximum duration (0 = none)
   * @param tokenExpiresAt epoch seconds when the presented token expires (0 = unknown)
   * @param resumeWindowMs how long the gateway keeps the session for a resume after its WebSocket
   *     dropped (0 = the session cannot be resumed)
   */
  record Session(
      String sessionId,
      String proxy,
      long idleTimeoutMs,
      long maxDurationMs,
      long tokenExpiresAt,
      long resumeWindowMs)
      implements Frame {

    /** A session that cannot be resumed. */
    public Session(
        String sessionId,
        String proxy,
        long idleTimeoutMs,
        long maxDurationMs,
        long tokenExpiresAt) {
      this(sessionId, proxy, idleTimeoutMs, maxDurationMs, tokenExpiresAt, 0);
    }
  }

  /** Something the user should know: draining, token expiring, why the tunnel closes. */
  record Notice(NoticeCode code, String message) implements Frame {}

  /**
   * A fresh token for the running session (client → gateway). Its {@code toString} never shows the
   * token, so logging a frame cannot leak it.
   *
   * @param jwt the token in compact serialization
   */
  record Token(String jwt) implements Frame {
    @Override
    public String toString() {
      return "Token[" + jwt.length() + " chars]";
    }
  }

  /**
   * The gateway accepted a TOKEN: the session now ends with this token (gateway → client).
   *
   * @param expiresAt epoch seconds of the accepted token's exp
   */
  record TokenAccepted(long expiresAt) implements Frame {}
}
