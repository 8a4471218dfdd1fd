package dev.ferry.gateway.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.ferry.gateway.config.IssuerSettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * Time, issuer and audience checks on a token whose signature already verified. Done here rather
 * than by nimbus' claims verifier so that time comes from the injected clock and each failure maps
 * to its own {@link AuthFailure}.
 */
final class ClaimsCheck {
  private final Clock clock;
  private final Duration skew;

  ClaimsCheck(Clock clock, Duration skew) {
    this.clock = clock;
    this.skew = skew;
  }

  void check(JWTClaimsSet claims, IssuerSettings issuer) throws AuthException {
    Instant now = clock.instant();
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      // A token without exp would be valid forever; refuse it rather than pick a lifetime.
      throw new AuthException(AuthFailure.MALFORMED, "malformed token: no exp claim");
    }
    if (now.isAfter(exp.toInstant().plus(skew))) {
      throw new AuthException(AuthFailure.EXPIRED);
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && now.plus(skew).isBefore(nbf.toInstant())) {
      throw new AuthException(AuthFailure.NOT_YET_VALID);
    }
    if (!issuer.issuer().equals(claims.getIssuer())) {
      // Unreachable while issuers are chosen by exact iss, kept so this check stands on its own.
      throw new AuthException(AuthFailure.UNTRUSTED_ISSUER);
    }
    List<String> audience = claims.getAudience();
    if (audience.stream().noneMatch(issuer.audiences()::contains)) {
      throw new AuthException(
          AuthFailure.AUDIENCE, "wrong audience: expected one of " + issuer.audiences());
    }
  }
}
