package dev.ferry.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.ferry.gateway.config.IssuerSettings;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Key types the mock server does not publish (EdDSA, a symmetric key), served by a hand-made issuer
 * on a JDK HttpServer.
 */
class FakeIssuerTest {
  private HttpServer server;
  private String issuer;
  private KeyPair ed25519;
  private OctetSequenceKey oct;
  private OidcTokenVerifier verifier;

  @BeforeEach
  void start() throws Exception {
    ed25519 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] spki = ed25519.getPublic().getEncoded();
    byte[] x = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
    OctetKeyPair edJwk =
        new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).keyID("ed").build();
    oct = new OctetSequenceKey.Builder(new byte[32]).keyID("shared").build(); // a careless JWKS
    String jwks = new JWKSet(List.of(edJwk, oct)).toString(false);

    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    issuer = "http://127.0.0.1:" + server.getAddress().getPort() + "/fake";
    serve(
        "/fake/.well-known/openid-configuration",
        "{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + issuer + "/jwks\"}");
    serve("/fake/jwks", jwks);
    server.start();
    verifier =
        new OidcTokenVerifier(
            List.of(new IssuerSettings(issuer, List.of("aud"), null, List.of(), null, null)));
  }

  @AfterEach
  void stop() {
    verifier.close();
    server.stop(0);
  }

  private void serve(String path, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    server.createContext(
        path,
        exchange -> {
          exchange.sendResponseHeaders(200, bytes.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
          }
        });
  }

  private JWTClaimsSet claims() {
    return new JWTClaimsSet.Builder()
        .issuer(issuer)
        .audience("aud")
        .subject("carol")
        .expirationTime(Date.from(Instant.now().plusSeconds(300)))
        .build();
  }

  @Test
  @DisplayName("EdDSA (Ed25519) tokens verify with the JDK; a changed claim does not")
  void eddsa() throws Exception {
    String input =
        Base64URL.encode("{\"alg\":\"EdDSA\",\"kid\":\"ed\"}")
            + "."
            + Base64URL.encode(claims().toString());
    Signature signer = Signature.getInstance("Ed25519");
    signer.initSign(ed25519.getPrivate());
    signer.update(input.getBytes(StandardCharsets.US_ASCII));
    String token = input + "." + Base64URL.encode(signer.sign());

    VerifiedIdentity identity = verifier.verify("Bearer " + token).get(20, TimeUnit.SECONDS);
    assertThat(identity.user()).isEqualTo("carol");

    String forged =
        Base64URL.encode("{\"alg\":\"EdDSA\",\"kid\":\"ed\"}")
            + "."
            + Base64URL.encode(
                new JWTClaimsSet.Builder(claims()).subject("mallory").build().toString())
            + "."
            + token.substring(token.lastIndexOf('.') + 1);
    assertThat(failure(forged)).isEqualTo(AuthFailure.SIGNATURE);
  }

  @Test
  @DisplayName("an oct key in the JWKS is never selected, even when the token names its kid")
  void octKeyIgnored() throws Exception {
    RSAKey rsa = new RSAKeyGenerator(2048).generate();
    SignedJWT jwt =
        new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("shared").build(), claims());
    jwt.sign(new RSASSASigner(rsa));

    assertThat(failure(jwt.serialize())).isEqualTo(AuthFailure.UNKNOWN_KEY);
  }

  private AuthFailure failure(String token) throws Exception {
    try {
      verifier.verify("Bearer " + token).get(20, TimeUnit.SECONDS);
      throw new AssertionError("token was accepted");
    } catch (ExecutionException e) {
      return ((AuthException) e.getCause()).failure();
    }
  }
}
