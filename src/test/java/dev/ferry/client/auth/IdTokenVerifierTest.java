package dev.ferry.client.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import java.time.Instant;
import java.util.Date;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class IdTokenVerifierTest {

  private StubProvider stub;
  private IdTokenVerifier verifier;

  @BeforeEach
  void start() throws Exception {
    stub = new StubProvider();
    verifier = new IdTokenVerifier(stub.provider(), MockIssuer.CLIENT_ID);
  }

  @AfterEach
  void stop() {
    stub.close();
  }

  @Test
  @DisplayName("a token signed by the issuer for our client with our nonce passes")
  void valid() throws Exception {
    String token = stub.sign(stub.validClaims().claim("nonce", "n-1").build());
    assertThat(verifier.verify(token, "n-1").getSubject()).isEqualTo("carol-sub");
  }

  @Test
  @DisplayName("a token signed by another key is refused")
  void foreignSignature() throws Exception {
    String token =
        StubProvider.sign(
            stub.validClaims().build(), new RSAKeyGenerator(2048).keyID("k1").generate());
    assertThatThrownBy(() -> verifier.verify(token, null))
        .isInstanceOf(TokenException.class)
        .hasMessageContaining("is invalid");
  }

  @Test
  @DisplayName("a token for another client is refused")
  void foreignAudience() throws Exception {
    String token = stub.sign(stub.validClaims().audience("someone-else").build());
    assertThatThrownBy(() -> verifier.verify(token, null))
        .isInstanceOf(TokenException.class)
        .hasMessageContaining("aud");
  }

  @Test
  @DisplayName("a token from another issuer is refused")
  void foreignIssuer() throws Exception {
    String token = stub.sign(stub.validClaims().issuer("https://evil.example").build());
    assertThatThrownBy(() -> verifier.verify(token, null))
        .isInstanceOf(TokenException.class)
        .hasMessageContaining("iss");
  }

  @Test
  @DisplayName("an expired token is refused")
  void expired() throws Exception {
    JWTClaimsSet claims =
        stub.validClaims().expirationTime(Date.from(Instant.now().minusSeconds(600))).build();
    String token = stub.sign(claims);
    assertThatThrownBy(() -> verifier.verify(token, null))
        .isInstanceOf(TokenException.class)
        .hasMessageContaining("xpired");
  }

  @Test
  @DisplayName("a token with another login's nonce is refused")
  void wrongNonce() throws Exception {
    String token = stub.sign(stub.validClaims().claim("nonce", "other").build());
    assertThatThrownBy(() -> verifier.verify(token, "mine"))
        .isInstanceOf(TokenException.class)
        .hasMessageContaining("nonce");
  }
}
