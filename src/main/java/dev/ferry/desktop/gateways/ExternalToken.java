package dev.ferry.desktop.gateways;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import dev.ferry.client.auth.TokenException;
import dev.ferry.client.auth.TokenSource;
import java.text.ParseException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A token source given on the command line, as the CLI takes it ({@code --token-file}, {@code
 * --token-command}, {@code $FERRY_TOKEN}): the app signs in with it instead of the browser. Who is
 * signed in and until when is read from the token's claims without checking its signature (only for
 * showing it: the gateway verifies every token).
 */
public final class ExternalToken {
  private ExternalToken() {}

  /** The account the current token of {@code tokens} names; asks the source (may block). */
  public static Account account(TokenSource tokens) throws TokenException {
    String token = tokens.token();
    JWTClaimsSet claims = claims(token);
    if (claims == null) {
      return new Account(tokens.describe(), List.of(), null); // an opaque token: no claims to show
    }
    Object email = claims.getClaim("email");
    String user = email instanceof String e && !e.isBlank() ? e : claims.getSubject();
    return new Account(
        user == null ? tokens.describe() : user,
        groups(claims),
        expiry(claims.getExpirationTime()));
  }

  /** When {@code token} expires, or null when it is not a JWT or names no expiry. */
  public static Instant expiry(String token) {
    JWTClaimsSet claims = claims(token);
    return claims == null ? null : expiry(claims.getExpirationTime());
  }

  private static Instant expiry(java.util.Date exp) {
    return exp == null ? null : exp.toInstant();
  }

  private static JWTClaimsSet claims(String token) {
    try {
      return JWTParser.parse(token).getJWTClaimsSet();
    } catch (ParseException | RuntimeException e) {
      return null;
    }
  }

  private static List<String> groups(JWTClaimsSet claims) {
    Object groups = claims.getClaim("groups");
    if (groups instanceof List<?> list) {
      return list.stream().filter(Objects::nonNull).map(Object::toString).toList();
    }
    if (groups instanceof String single && !single.isBlank()) {
      return List.of(single);
    }
    return List.of();
  }
}
