package dev.ferry.gateway.audit;

import java.time.Instant;

/**
 * One audit event (DESIGN §4). Never carries a token.
 *
 * @param event session.start | session.end | session.denied
 * @param reason why a session ended or was denied ("completed", "idle-timeout", "unauthenticated:
 *     token expired", ...); null on session.start
 * @param clientInstance on session.start, the client's {@code Ferry-Client-Instance} (which client
 *     process opened it); null otherwise, and when the client sent none
 */
public record AuditRecord(
    Instant ts,
    String event,
    String sessionId,
    String user,
    String proxy,
    String target,
    String clientIp,
    long bytesUp,
    long bytesDown,
    long durationMs,
    String reason,
    String clientInstance) {

  public static final String START = "session.start";
  public static final String END = "session.end";
  public static final String DENIED = "session.denied";
}
