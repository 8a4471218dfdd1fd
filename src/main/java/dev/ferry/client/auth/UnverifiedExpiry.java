package dev.ferry.client.auth;

import com.nimbusds.jwt.JWTParser;
import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;

/**
 * Reads a JWT's {@code exp} without checking its signature. Only for deciding when to fetch a new
 * token: the gateway does the verifying, so trusting an unverified exp here costs nothing.
 */
public final class UnverifiedExpiry {

  private UnverifiedExpiry() {}

  public static Optional<Instant> of(String token) {
    try {
      Date exp = JWTParser.parse(token).getJWTClaimsSet().getExpirationTime();
      return Optional.ofNullable(exp).map(Date::toInstant);
    } catch (ParseException | RuntimeException e) {
      return Optional.empty(); // not a JWT (an opaque token): the caller picks its own lifetime
    }
  }
}
