package dev.ferry.gateway.auth;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Extracts the compact JWT from an {@code Authorization} header value. Strict on purpose: the value
 * must be exactly {@code Bearer <jwt>} with one space, so that a second token or trailing text can
 * never be smuggled past a parser that stops early.
 */
final class BearerHeader {
  private static final String SCHEME = "bearer";

  /**
   * Three base64url segments; the signature may be empty only so that {@code alg: none} tokens
   * reach the algorithm check and are reported as such rather than as malformed.
   */
  private static final Pattern COMPACT_JWS =
      Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");

  private BearerHeader() {}

  /** Returns the token, or throws MISSING (no header, other scheme) or MALFORMED. */
  static String token(String header) throws AuthException {
    if (header == null || header.isBlank()) {
      throw new AuthException(AuthFailure.MISSING);
    }
    int space = header.indexOf(' ');
    String scheme = space < 0 ? header : header.substring(0, space);
    if (!scheme.toLowerCase(Locale.ROOT).equals(SCHEME)) {
      throw new AuthException(AuthFailure.MISSING, "missing bearer token: expected a Bearer token");
    }
    if (space < 0 || space == header.length() - 1) {
      throw new AuthException(AuthFailure.MISSING);
    }
    String token = header.substring(space + 1);
    if (!COMPACT_JWS.matcher(token).matches()) {
      // Says what is wrong without echoing any of the value.
      throw new AuthException(
          AuthFailure.MALFORMED,
          "malformed token: expected one compact JWT (three base64url parts) after 'Bearer '");
    }
    return token;
  }
}
