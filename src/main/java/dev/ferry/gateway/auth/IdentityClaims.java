package dev.ferry.gateway.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.ferry.gateway.config.IssuerSettings;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Turns verified claims into a {@link VerifiedIdentity}. Values are carried verbatim (no trimming,
 * no escaping): whoever prints them (audit JSON, problem+json) encodes them for its format.
 */
final class IdentityClaims {
  static final String DEFAULT_USER_CLAIM = "email";
  static final String DEFAULT_GROUPS_CLAIM = "groups";

  private IdentityClaims() {}

  static VerifiedIdentity of(JWTClaimsSet claims, IssuerSettings issuer) throws AuthException {
    String subject = claims.getSubject();
    String userClaim = issuer.userClaim() == null ? DEFAULT_USER_CLAIM : issuer.userClaim();
    String user = nonEmptyString(claims.getClaim(userClaim));
    if (user == null) {
      user = nonEmptyString(subject);
    }
    if (user == null) {
      throw new AuthException(
          AuthFailure.MALFORMED, "malformed token: no " + userClaim + " and no sub claim");
    }
    String groupsClaim = issuer.groupsClaim() == null ? DEFAULT_GROUPS_CLAIM : issuer.groupsClaim();
    return new VerifiedIdentity(
        user,
        subject,
        groups(claims.getClaim(groupsClaim)),
        issuer.issuer(),
        claims.getExpirationTime().toInstant());
  }

  private static String nonEmptyString(Object value) {
    return value instanceof String s && !s.isEmpty() ? s : null;
  }

  /** A list of strings or one string; anything else (numbers, objects) grants no group. */
  private static Set<String> groups(Object value) {
    if (value instanceof String s) {
      return s.isEmpty() ? Set.of() : Set.of(s);
    }
    Set<String> groups = new LinkedHashSet<>();
    if (value instanceof Collection<?> list) {
      for (Object item : list) {
        if (item instanceof String s && !s.isEmpty()) {
          groups.add(s);
        }
      }
    }
    return groups;
  }
}
