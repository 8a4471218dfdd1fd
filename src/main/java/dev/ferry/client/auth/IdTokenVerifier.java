package dev.ferry.client.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.MalformedURLException;
import java.text.ParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks an ID token the way OIDC Core §3.1.3.7 asks: signature against the issuer's JWKS, iss, aud
 * contains our client id, exp, and — for a fresh login — our nonce.
 */
final class IdTokenVerifier {

  private static final int JWKS_TIMEOUT_MS = 10_000;
  private static final int JWKS_SIZE_LIMIT = 256 * 1024;

  private final String issuer;
  private final String clientId;
  private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

  IdTokenVerifier(OidcProvider provider, String clientId) throws TokenException {
    this.issuer = provider.issuer().toString();
    this.clientId = clientId;
    JWKSource<SecurityContext> keys;
    try {
      // The builder's defaults (500 ms) are too tight for a busy laptop; it still caches the set
      // and refetches it when a token names an unknown key, so key rotation keeps working.
      keys =
          JWKSourceBuilder.create(
                  provider.jwksUri().toURL(),
                  new DefaultResourceRetriever(JWKS_TIMEOUT_MS, JWKS_TIMEOUT_MS, JWKS_SIZE_LIMIT))
              .build();
    } catch (MalformedURLException | IllegalArgumentException e) {
      throw new TokenException("jwks_uri is not a URL: " + provider.jwksUri(), e);
    }
    // Asymmetric signatures only: "none" and HMAC (keyed with a public client id) prove nothing.
    Set<JWSAlgorithm> algorithms = new HashSet<>(JWSAlgorithm.Family.SIGNATURE);
    processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, keys));
    processor.setJWTClaimsSetVerifier(
        new DefaultJWTClaimsVerifier<>(
            Set.of(clientId),
            new JWTClaimsSet.Builder().issuer(issuer).build(),
            Set.of("sub", "exp", "iat"),
            null));
  }

  /**
   * @param expectedNonce the nonce sent with the authorization request, or null after a refresh
   *     (the refreshed token carries the original one, which we did not keep)
   */
  JWTClaimsSet verify(String idToken, String expectedNonce) throws TokenException {
    JWTClaimsSet claims;
    try {
      claims = processor.process(idToken, null);
    } catch (ParseException e) {
      throw new TokenException("the identity provider sent an ID token that is not a JWT", e);
    } catch (BadJOSEException e) {
      throw new TokenException("the ID token from " + issuer + " is invalid: " + e.getMessage(), e);
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new TokenException("cannot check the ID token from " + issuer + ": " + e, e);
    }
    if (expectedNonce != null && !expectedNonce.equals(nonceOf(claims))) {
      throw new TokenException("the ID token's nonce does not match this login (a replayed token)");
    }
    List<String> audience = claims.getAudience();
    Object azp = claims.getClaim("azp");
    if (audience.size() > 1 && azp != null && !clientId.equals(azp)) {
      throw new TokenException("the ID token was issued to another client (azp " + azp + ")");
    }
    return claims;
  }

  private static String nonceOf(JWTClaimsSet claims) {
    Object nonce = claims.getClaim("nonce");
    return nonce == null ? null : nonce.toString();
  }
}
