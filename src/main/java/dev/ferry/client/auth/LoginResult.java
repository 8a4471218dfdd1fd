package dev.ferry.client.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A completed sign-in. {@code refreshToken} is null when the provider issued none (then the login
 * lasts only until {@code expiresAt}). The record's {@code toString} hides both tokens so a stray
 * log line cannot leak them.
 */
public record LoginResult(
    String idToken, String refreshToken, Instant expiresAt, String user, List<String> groups) {

  public LoginResult {
    Objects.requireNonNull(idToken, "idToken");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(user, "user");
    groups = List.copyOf(groups);
  }

  /** User from {@code email}, falling back to {@code sub}; groups from {@code groups}. */
  static LoginResult of(String idToken, String refreshToken, JWTClaimsSet claims) {
    Object email = claims.getClaim("email");
    String user = email instanceof String e && !e.isBlank() ? e : claims.getSubject();
    return new LoginResult(
        idToken, refreshToken, claims.getExpirationTime().toInstant(), user, groupsOf(claims));
  }

  private static List<String> groupsOf(JWTClaimsSet claims) {
    Object groups = claims.getClaim("groups");
    if (groups instanceof List<?> list) {
      return list.stream().filter(Objects::nonNull).map(Object::toString).toList();
    }
    if (groups instanceof String single && !single.isBlank()) {
      return List.of(single);
    }
    return List.of();
  }

  @Override
  public String toString() {
    return "LoginResult[user="
        + user
        + ", groups="
        + groups
        + ", expiresAt="
        + expiresAt
        + ", refreshToken="
        + (refreshToken == null ? "none" : "present")
        + "]";
  }
}
