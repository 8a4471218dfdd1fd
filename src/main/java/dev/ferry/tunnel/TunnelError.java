package dev.ferry.tunnel;

/**
 * Every way a tunnel can be refused or ended, shared by gateway, CLI and desktop so that the same
 * refusal reads the same everywhere. Each kind carries its HTTP status (refusal before the
 * upgrade), its WebSocket close code (ending after the upgrade), its metric/audit tag, the CLI exit
 * code and a default message.
 */
public enum TunnelError {
  UNAUTHENTICATED(401, 4401, "unauthenticated", 2, "authentication failed"),
  TOKEN_EXPIRED(401, 4401, "token-expired", 2, "token expired"),
  TOKEN_INVALID(0, 4411, "token-invalid", 2, "fresh token refused"),
  USER_CHANGED(0, 4412, "user-changed", 2, "fresh token is for another user"),
  ACCESS_REVOKED(0, 4413, "access-revoked", 3, "access to the proxy was revoked"),
  ORIGIN_NOT_ALLOWED(403, 4403, "origin-not-allowed", 1, "origin not allowed"),
  PROXY_NOT_FOUND(404, 4404, "not-found", 3, "proxy unknown or not allowed"),
  LIMIT_REACHED(429, 4429, "limit-reached", 4, "limit reached"),
  UPSTREAM_REFUSED(502, 4502, "upstream-refused", 5, "upstream refused the connection"),
  UPSTREAM_TIMEOUT(504, 4504, "upstream-timeout", 5, "upstream connect timed out"),
  DRAINING(503, 4503, "draining", 5, "gateway is draining"),
  GATEWAY_UNREACHABLE(0, 0, "gateway-unreachable", 5, "gateway unreachable"),
  IDLE_TIMEOUT(0, 4408, "idle-timeout", 5, "idle timeout"),
  MAX_DURATION(0, 4409, "max-duration", 5, "maximum session duration reached"),
  /**
   * The upstream reset the connection: a close code once the tunnel runs; a 502 when it accepted
   * and reset before the gateway saw its connect finish (the same upstream, the same name: only the
   * timing differs).
   */
  UPSTREAM_CLOSED(502, 4510, "upstream-reset", 5, "upstream reset the connection"),
  PROXY_REMOVED(0, 4410, "proxy-removed", 3, "the proxy was removed from the gateway's config"),
  PROTOCOL_ERROR(400, 4400, "protocol-error", 1, "protocol error"),
  BAD_REQUEST(400, 4400, "bad-request", 1, "bad request"),
  INTERNAL(500, 1011, "internal", 5, "internal gateway error"),
  /**
   * A resume named a session that is unknown, has ended or belongs to someone else: one answer for
   * all three, so that session ids cannot be probed.
   */
  SESSION_NOT_FOUND(404, 0, "session-not-found", 3, "session unknown, ended or not yours"),
  /**
   * A resume named the caller's own session, which the gateway ended while its WebSocket was down
   * (idle timeout, token expired, access revoked, ...); the detail names that reason. Told only to
   * the session's owner; everybody else gets {@link #SESSION_NOT_FOUND}. Kept apart from it so that
   * clients stop on a reason they can show, and so that refusals counted as session-not-found stay
   * a sign of someone guessing ids rather than of late clients.
   */
  SESSION_ENDED(410, 0, "session-ended", 5, "the session has ended"),
  /** The WebSocket under a tunnel dropped and could not be resumed within the resume window. */
  RESUME_TIMEOUT(0, 0, "resume-timeout", 5, "the tunnel could not be resumed in time"),
  /**
   * A session waiting for a resume gave its slot to a new tunnel of the same user that a session
   * cap would otherwise have refused (the user's client crashed and started again). Only an end
   * reason: the session had no WebSocket to send a close code on; its owner learns it from a
   * resume's {@link #SESSION_ENDED}.
   */
  SUPERSEDED(
      0,
      0,
      "superseded",
      5,
      "replaced by a new tunnel of the same user while waiting for a resume");

  private final int httpStatus;
  private final int closeCode;
  private final String tag;
  private final int exitCode;
  private final String message;

  TunnelError(int httpStatus, int closeCode, String tag, int exitCode, String message) {
    this.httpStatus = httpStatus;
    this.closeCode = closeCode;
    this.tag = tag;
    this.exitCode = exitCode;
    this.message = message;
  }

  /** HTTP status used when the tunnel is refused before the upgrade; 0 when never sent. */
  public int httpStatus() {
    return httpStatus;
  }

  /** WebSocket close code used when an established tunnel ends for this reason. */
  public int closeCode() {
    return closeCode;
  }

  /** Stable short tag for metrics, audit records and problem+json {@code type}. */
  public String tag() {
    return tag;
  }

  /** Exit code of the CLI (DESIGN §2). */
  public int exitCode() {
    return exitCode;
  }

  public String message() {
    return message;
  }

  /** The problem+json {@code type} URI for this error. */
  public String problemType() {
    return "urn:ferry:error:" + tag;
  }

  /** Finds the error for a problem+json {@code type}, or null. */
  public static TunnelError fromProblemType(String type) {
    for (TunnelError e : values()) {
      if (e.problemType().equals(type)) {
        return e;
      }
    }
    return null;
  }

  /** Finds the error for an HTTP status when a response carried no problem type. */
  public static TunnelError fromHttpStatus(int status) {
    for (TunnelError e : values()) {
      if (e.httpStatus == status) {
        return e;
      }
    }
    return status >= 500 ? INTERNAL : BAD_REQUEST;
  }

  /** Finds the error for a WebSocket close code, or null for a normal close. */
  public static TunnelError fromCloseCode(int code) {
    if (code == TOKEN_EXPIRED.closeCode) {
      // 4401 is shared with the 401 refusal; once a tunnel is open it only ever means expiry.
      return TOKEN_EXPIRED;
    }
    for (TunnelError e : values()) {
      if (e.closeCode == code && code != 0) {
        return e;
      }
    }
    return null;
  }
}
