package dev.ferry.gateway.auth;

/**
 * Which check a token failed. The tag labels {@code ferry_auth_failures_total{reason}} and the
 * audit record; the message is the problem+json detail the client shows.
 */
public enum AuthFailure {
  MISSING("missing", "missing bearer token"),
  MALFORMED("malformed", "malformed token"),
  EXPIRED("expired", "token expired"),
  NOT_YET_VALID("not-yet-valid", "token not yet valid"),
  UNTRUSTED_ISSUER("issuer", "token issuer is not trusted"),
  AUDIENCE("audience", "wrong audience"),
  ALGORITHM("algorithm", "signing algorithm not allowed"),
  UNKNOWN_KEY("unknown-key", "unknown signing key"),
  SIGNATURE("signature", "invalid signature"),
  ISSUER_UNAVAILABLE("issuer-unavailable", "issuer keys unavailable");

  private final String tag;
  private final String message;

  AuthFailure(String tag, String message) {
    this.tag = tag;
    this.message = message;
  }

  public String tag() {
    return tag;
  }

  public String message() {
    return message;
  }
}
