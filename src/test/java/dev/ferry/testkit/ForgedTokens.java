package dev.ferry.testkit;

import static dev.ferry.testkit.GatewayFixture.AUDIENCE;
import static dev.ferry.testkit.GatewayFixture.ISSUER_ID;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;

/**
 * Tokens an attacker could build, for refusal tests at every level (gateway, CLI): unsigned, HMAC
 * keyed with the issuer's public key, a tampered signature, a key the issuer never published. Each
 * carries otherwise valid claims (the fixture's issuer and audience, {@code email}), so the only
 * thing wrong is the forgery.
 */
public final class ForgedTokens {
  private final GatewayFixture fx;

  public ForgedTokens(GatewayFixture fx) {
    this.fx = fx;
  }

  /** Valid claims for {@code email}: the fixture's issuer and audience, one hour. */
  public JWTClaimsSet claims(String email) {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .issuer(fx.issuer())
        .audience(AUDIENCE)
        .subject("mallory")
        .claim("email", email)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(3600)))
        .build();
  }

  /** {@code alg: none}, no signature. */
  public String algNone(String email) {
    return new PlainJWT(claims(email)).serialize();
  }

  /** HS256 keyed with the issuer's RSA public key (the classic algorithm-confusion attack). */
  public String hmacWithPublicKey(String email) throws IOException, JOSEException {
    RSAKey pub = issuerKey();
    byte[] secret = pub.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8);
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(pub.getKeyID()).build(), claims(email));
    jwt.sign(new MACSigner(Arrays.copyOf(secret, Math.max(32, secret.length))));
    return jwt.serialize();
  }

  /** RS256 with a key id ({@code rogue}) and key the issuer never published. */
  public String unknownKid(String email) throws JOSEException {
    RSAKey rogue = new RSAKeyGenerator(2048).keyID("rogue").generate();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rogue").build(), claims(email));
    jwt.sign(new RSASSASigner(rogue));
    return jwt.serialize();
  }

  /** {@code token} with one character of its signature changed. */
  public static String tampered(String token) {
    String[] parts = token.split("\\.");
    char c = parts[2].charAt(5);
    parts[2] = parts[2].substring(0, 5) + (c == 'A' ? 'B' : 'A') + parts[2].substring(6);
    return String.join(".", parts);
  }

  /** The issuer's current RSA signing key, read from its JWKS. */
  public RSAKey issuerKey() throws IOException {
    try {
      String jwks =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(fx.oauth().jwksUrl(ISSUER_ID).toString()))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      return (RSAKey) JWKSet.parse(jwks).getKeys().get(0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ParseException e) {
      throw new IOException("issuer JWKS unreadable", e);
    }
  }
}
