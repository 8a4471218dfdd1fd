package dev.ferry.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.ferry.gateway.config.IssuerSettings;
import dev.ferry.testkit.MutableClock;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import okhttp3.HttpUrl;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class OidcTokenVerifierTest {
  static final String ISSUER_ID = "ferry";
  static final String SECOND_ID = "second";
  static final String UNTRUSTED_ID = "other";
  static final String AUDIENCE = "ferry-gateway";
  static final String SECOND_AUDIENCE = "second-gateway";

  static MockOAuth2Server server;
  static RSAKey rogueKey;

  final MutableClock clock = MutableClock.ofNow();
  OidcTokenVerifier verifier;

  @BeforeAll
  static void startServer() throws Exception {
    server = new MockOAuth2Server();
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    rogueKey = new RSAKeyGenerator(2048).keyID("rogue").generate();
  }

  @AfterAll
  static void stopServer() {
    server.shutdown();
  }

  @AfterEach
  void closeVerifier() {
    if (verifier != null) {
      verifier.close();
    }
  }

  // ---- helpers ---------------------------------------------------------------------------

  /**
   * The issuer as seen through 127.0.0.1. The mock server names itself "localhost" outside a
   * request, so tokens are minted with an explicit issuer URL instead of issueToken().
   */
  static String issuer(MockOAuth2Server on, String id) {
    return "http://127.0.0.1:" + on.baseUrl().port() + "/" + id;
  }

  static IssuerSettings settings(String issuer, String audience) {
    return new IssuerSettings(
        issuer, List.of(audience), "ferry-cli", List.of("openid", "email"), null, null);
  }

  OidcTokenVerifier verifierFor(VerifierOptions options, IssuerSettings... issuers) {
    verifier = new OidcTokenVerifier(List.of(issuers), options.withClock(clock));
    return verifier;
  }

  OidcTokenVerifier defaultVerifier() {
    return verifierFor(VerifierOptions.defaults(), settings(issuer(server, ISSUER_ID), AUDIENCE));
  }

  static String mint(MockOAuth2Server on, String issuerId, String audience, Map<String, ?> claims) {
    return mint(on, issuerId, "alice-sub", audience, claims);
  }

  static String mint(
      MockOAuth2Server on, String issuerId, String sub, String audience, Map<String, ?> claims) {
    Map<String, Object> all = new HashMap<>(claims);
    all.put("sub", sub);
    all.put("aud", List.of(audience));
    // anyToken counts the duration's milliseconds as seconds (see TOOLCHAIN.md): one hour.
    return on.anyToken(HttpUrl.get(issuer(on, issuerId)), all, Duration.ofMillis(3600)).serialize();
  }

  static String aliceToken() {
    return mint(
        server,
        ISSUER_ID,
        AUDIENCE,
        Map.of("email", "alice@example.com", "groups", List.of("dba", "dev")));
  }

  /** Claims a configured issuer could have signed, for tokens the tests sign themselves. */
  static JWTClaimsSet forgedClaims() {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .issuer(issuer(server, ISSUER_ID))
        .audience(AUDIENCE)
        .subject("mallory")
        .claim("email", "admin@example.com")
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(3600)))
        .build();
  }

  static String sign(JWSHeader header, JWTClaimsSet claims, JWSSigner signer) throws JOSEException {
    SignedJWT jwt = new SignedJWT(header, claims);
    jwt.sign(signer);
    return jwt.serialize();
  }

  static RSAKey issuerKey(MockOAuth2Server on, String id) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(on.jwksUrl(id).toString())).build(),
                HttpResponse.BodyHandlers.ofString());
    return (RSAKey) JWKSet.parse(response.body()).getKeys().get(0);
  }

  static VerifiedIdentity accepted(CompletableFuture<VerifiedIdentity> future) throws Exception {
    return future.get(20, TimeUnit.SECONDS);
  }

  static AuthException refused(CompletableFuture<VerifiedIdentity> future) throws Exception {
    try {
      VerifiedIdentity identity = future.get(20, TimeUnit.SECONDS);
      return fail("expected a refusal, got " + identity);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(AuthException.class);
      return (AuthException) e.getCause();
    }
  }

  /** JWKS requests the mock server received since the last call. */
  static int drainJwksRequests(MockOAuth2Server on) {
    int count = 0;
    while (true) {
      RecordedRequest request;
      try {
        request = on.takeRequest(100, TimeUnit.MILLISECONDS);
      } catch (RuntimeException e) {
        return count; // the mock server throws rather than return null once the queue is empty
      }
      if (request.getPath() != null && request.getPath().endsWith("/jwks")) {
        count++;
      }
    }
  }

  static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }

  // ---- tests -------------------------------------------------------------------------------

  @Nested
  @DisplayName("valid tokens")
  class Valid {
    @Test
    @DisplayName("identity carries user, subject, groups, issuer and exp from the claims")
    void identityFromClaims() throws Exception {
      String token = aliceToken();
      VerifiedIdentity identity = accepted(defaultVerifier().verify("Bearer " + token));

      assertThat(identity.user()).isEqualTo("alice@example.com");
      assertThat(identity.subject()).isEqualTo("alice-sub");
      assertThat(identity.groups()).containsExactlyInAnyOrder("dba", "dev");
      assertThat(identity.issuer()).isEqualTo(issuer(server, ISSUER_ID));
      assertThat(identity.expiresAt())
          .isEqualTo(SignedJWT.parse(token).getJWTClaimsSet().getExpirationTime().toInstant());
    }

    @Test
    @DisplayName("user falls back to sub; a single-string groups claim is one group")
    void userFallsBackToSub() throws Exception {
      String token = mint(server, ISSUER_ID, AUDIENCE, Map.of("groups", "ops"));
      VerifiedIdentity identity = accepted(defaultVerifier().verify("bearer " + token));

      assertThat(identity.user()).isEqualTo("alice-sub");
      assertThat(identity.groups()).containsExactly("ops");
    }

    @Test
    @DisplayName("a configured userClaim/groupsClaim is used; non-string user claims are ignored")
    void configuredClaims() throws Exception {
      String token =
          mint(
              server,
              ISSUER_ID,
              AUDIENCE,
              Map.of("preferred_username", "alice", "roles", List.of("admin", 7), "email", 42));
      IssuerSettings custom =
          new IssuerSettings(
              issuer(server, ISSUER_ID),
              List.of(AUDIENCE),
              null,
              List.of(),
              "preferred_username",
              "roles");
      VerifiedIdentity identity =
          accepted(verifierFor(VerifierOptions.defaults(), custom).verify("Bearer " + token));

      assertThat(identity.user()).isEqualTo("alice");
      assertThat(identity.groups()).containsExactly("admin");
    }

    @Test
    @DisplayName("claim values with line breaks are carried verbatim, only in the identity")
    void hostileClaimCarriedVerbatim() throws Exception {
      String hostile = "alice@example.com\n{fake log line}";
      String token =
          mint(server, ISSUER_ID, AUDIENCE, Map.of("email", hostile, "groups", List.of(hostile)));
      VerifiedIdentity identity = accepted(defaultVerifier().verify("Bearer " + token));

      assertThat(identity.user()).isEqualTo(hostile);
      assertThat(identity.groups()).containsExactly(hostile);
    }

    @Test
    @DisplayName("two issuers configured at once both verify, each against its own audience")
    void twoIssuers() throws Exception {
      verifierFor(
          VerifierOptions.defaults(),
          settings(issuer(server, ISSUER_ID), AUDIENCE),
          settings(issuer(server, SECOND_ID), SECOND_AUDIENCE));
      String first = aliceToken();
      String second = mint(server, SECOND_ID, "bob-sub", SECOND_AUDIENCE, Map.of());

      assertThat(accepted(verifier.verify("Bearer " + first)).issuer())
          .isEqualTo(issuer(server, ISSUER_ID));
      VerifiedIdentity bob = accepted(verifier.verify("Bearer " + second));
      assertThat(bob.issuer()).isEqualTo(issuer(server, SECOND_ID));
      assertThat(bob.user()).isEqualTo("bob-sub");
      // The second issuer's audience is not accepted for the first issuer.
      String crossed = mint(server, ISSUER_ID, SECOND_AUDIENCE, Map.of());
      assertThat(refused(verifier.verify("Bearer " + crossed)).failure())
          .isEqualTo(AuthFailure.AUDIENCE);
    }
  }

  @Nested
  @DisplayName("time")
  class Time {
    @Test
    @DisplayName("expired beyond the 60 s skew is EXPIRED; within the skew still valid")
    void expiry() throws Exception {
      String token = aliceToken();
      Instant exp = SignedJWT.parse(token).getJWTClaimsSet().getExpirationTime().toInstant();
      defaultVerifier();

      clock.set(exp.plusSeconds(59));
      assertThat(accepted(verifier.verify("Bearer " + token)).user())
          .isEqualTo("alice@example.com");

      clock.set(exp.plusSeconds(61));
      AuthException e = refused(verifier.verify("Bearer " + token));
      assertThat(e.failure()).isEqualTo(AuthFailure.EXPIRED);
      assertThat(e.getMessage()).isEqualTo("token expired");
    }

    @Test
    @DisplayName("nbf further ahead than the skew is NOT_YET_VALID")
    void notYetValid() throws Exception {
      String token = aliceToken();
      Instant nbf = SignedJWT.parse(token).getJWTClaimsSet().getNotBeforeTime().toInstant();
      defaultVerifier();

      clock.set(nbf.minusSeconds(61));
      assertThat(refused(verifier.verify("Bearer " + token)).failure())
          .isEqualTo(AuthFailure.NOT_YET_VALID);

      clock.set(nbf.minusSeconds(59));
      assertThat(accepted(verifier.verify("Bearer " + token)).user()).isNotNull();
    }

    @Test
    @DisplayName("a signed token without exp is refused")
    void noExp() throws Exception {
      // The mock server cannot mint a token without exp, so the claims check is driven directly.
      JWTClaimsSet noExp =
          new JWTClaimsSet.Builder(SignedJWT.parse(aliceToken()).getJWTClaimsSet())
              .expirationTime(null)
              .build();
      ClaimsCheck check = new ClaimsCheck(clock, Duration.ofSeconds(60));
      assertThatThrownBy(() -> check.check(noExp, settings(issuer(server, ISSUER_ID), AUDIENCE)))
          .isInstanceOfSatisfying(
              AuthException.class, e -> assertThat(e.failure()).isEqualTo(AuthFailure.MALFORMED))
          .hasMessageContaining("no exp");
    }
  }

  @Nested
  @DisplayName("issuer and audience")
  class IssuerAndAudience {
    @Test
    @DisplayName("a token from an issuer that is not configured is UNTRUSTED_ISSUER naming it")
    void untrustedIssuer() throws Exception {
      String token = mint(server, UNTRUSTED_ID, AUDIENCE, Map.of());
      AuthException e = refused(defaultVerifier().verify("Bearer " + token));

      assertThat(e.failure()).isEqualTo(AuthFailure.UNTRUSTED_ISSUER);
      assertThat(e.getMessage()).contains(issuer(server, UNTRUSTED_ID));
    }

    @Test
    @DisplayName("the UNTRUSTED_ISSUER message strips control characters and is capped")
    void untrustedIssuerSanitized() throws Exception {
      JWTClaimsSet claims =
          new JWTClaimsSet.Builder(forgedClaims())
              .issuer("https://evil.example\r\n{\"event\":\"session.start\"}" + "x".repeat(500))
              .build();
      String token =
          sign(
              new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rogue").build(),
              claims,
              new RSASSASigner(rogueKey));
      AuthException e = refused(defaultVerifier().verify("Bearer " + token));

      assertThat(e.failure()).isEqualTo(AuthFailure.UNTRUSTED_ISSUER);
      assertThat(e.getMessage())
          .startsWith("token issuer is not trusted: https://evil.example{\"event\"")
          .doesNotContain("\r", "\n")
          .hasSizeLessThan(160);
    }

    @Test
    @DisplayName("the issuer is matched exactly: a trailing slash is another issuer")
    void exactIssuer() throws Exception {
      verifierFor(VerifierOptions.defaults(), settings(issuer(server, ISSUER_ID) + "/", AUDIENCE));
      assertThat(refused(verifier.verify("Bearer " + aliceToken())).failure())
          .isEqualTo(AuthFailure.UNTRUSTED_ISSUER);
    }

    @Test
    @DisplayName("a wrong audience is AUDIENCE and names the expected ones")
    void wrongAudience() throws Exception {
      String token = mint(server, ISSUER_ID, "someone-else", Map.of());
      AuthException e = refused(defaultVerifier().verify("Bearer " + token));

      assertThat(e.failure()).isEqualTo(AuthFailure.AUDIENCE);
      assertThat(e.getMessage()).isEqualTo("wrong audience: expected one of [ferry-gateway]");
    }
  }

  @Nested
  @DisplayName("algorithms and signatures")
  class Signatures {
    @Test
    @DisplayName("alg none is ALGORITHM")
    void algNone() throws Exception {
      String token = new PlainJWT(forgedClaims()).serialize();
      AuthException e = refused(defaultVerifier().verify("Bearer " + token));

      assertThat(e.failure()).isEqualTo(AuthFailure.ALGORITHM);
      assertThat(e.getMessage()).contains("none");
    }

    @Test
    @DisplayName("HS256 keyed with the issuer's RSA public key bytes is ALGORITHM")
    void hmacWithPublicKey() throws Exception {
      RSAKey published = issuerKey(server, ISSUER_ID);
      byte[] secret = published.toRSAPublicKey().getEncoded();
      String token =
          sign(
              new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(published.getKeyID()).build(),
              forgedClaims(),
              new MACSigner(secret));

      assertThat(refused(defaultVerifier().verify("Bearer " + token)).failure())
          .isEqualTo(AuthFailure.ALGORITHM);
    }

    @Test
    @DisplayName("ES256 naming the issuer's RSA kid is ALGORITHM (alg must fit the key type)")
    void algDoesNotFitKey() throws Exception {
      RSAKey published = issuerKey(server, ISSUER_ID);
      ECKey ec = new ECKeyGenerator(Curve.P_256).generate();
      String token =
          sign(
              new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(published.getKeyID()).build(),
              forgedClaims(),
              new ECDSASigner(ec));

      assertThat(refused(defaultVerifier().verify("Bearer " + token)).failure())
          .isEqualTo(AuthFailure.ALGORITHM);
    }

    @Test
    @DisplayName("changed claims under the original signature are SIGNATURE")
    void tamperedPayload() throws Exception {
      String[] parts = aliceToken().split("\\.");
      String payload = new Base64URL(parts[1]).decodeToString();
      String tampered = payload.replace("alice@example.com", "admin@example.com");
      assertThat(tampered).isNotEqualTo(payload);
      String token = parts[0] + "." + Base64URL.encode(tampered) + "." + parts[2];

      assertThat(refused(defaultVerifier().verify("Bearer " + token)).failure())
          .isEqualTo(AuthFailure.SIGNATURE);
    }

    @Test
    @DisplayName("a flipped bit in the signature is SIGNATURE")
    void tamperedSignature() throws Exception {
      String[] parts = aliceToken().split("\\.");
      byte[] signature = new Base64URL(parts[2]).decode();
      signature[10] ^= 0x01;
      String token = parts[0] + "." + parts[1] + "." + Base64URL.encode(signature);

      assertThat(refused(defaultVerifier().verify("Bearer " + token)).failure())
          .isEqualTo(AuthFailure.SIGNATURE);
    }
  }

  @Nested
  @DisplayName("keys")
  class Keys {
    @Test
    @DisplayName("an unknown kid is UNKNOWN_KEY; a burst costs at most one refetch per cool-down")
    void unknownKidRefetchBudget() throws Exception {
      defaultVerifier();
      String rogue =
          sign(
              new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rogue").build(),
              forgedClaims(),
              new RSASSASigner(rogueKey));
      drainJwksRequests(server); // forget requests from earlier tests on the shared server
      verifier.warmUp().get(20, TimeUnit.SECONDS);
      assertThat(drainJwksRequests(server)).isEqualTo(1);

      // Within the cool-down of the warm-up fetch: no refetch at all.
      for (int i = 0; i < 5; i++) {
        AuthException e = refused(verifier.verify("Bearer " + rogue));
        assertThat(e.failure()).isEqualTo(AuthFailure.UNKNOWN_KEY);
        assertThat(e.getMessage()).isEqualTo("unknown signing key: kid rogue");
      }
      assertThat(drainJwksRequests(server)).isZero();

      // After the cool-down: the first unknown kid refetches once, the rest of the burst does not.
      clock.advance(Duration.ofSeconds(31));
      for (int i = 0; i < 5; i++) {
        assertThat(refused(verifier.verify("Bearer " + rogue)).failure())
            .isEqualTo(AuthFailure.UNKNOWN_KEY);
      }
      assertThat(drainJwksRequests(server)).isEqualTo(1);
      assertThat(verifier.jwksFetches(issuer(server, ISSUER_ID))).isEqualTo(2);

      // Known keys keep working throughout.
      assertThat(accepted(verifier.verify("Bearer " + aliceToken())).user()).isNotNull();
    }

    @Test
    @DisplayName("jku and x5u headers are never fetched; the token is refused")
    void jkuAndX5uIgnored() throws Exception {
      RSAKey attacker = new RSAKeyGenerator(2048).keyID("attacker").generate();
      try (AttackerServer evil = new AttackerServer(new JWKSet(attacker.toPublicJWK()))) {
        String viaJku =
            sign(
                new JWSHeader.Builder(JWSAlgorithm.RS256)
                    .keyID("attacker")
                    .jwkURL(evil.url("/jwks"))
                    .build(),
                forgedClaims(),
                new RSASSASigner(attacker));
        String viaX5u =
            sign(
                new JWSHeader.Builder(JWSAlgorithm.RS256)
                    .keyID("attacker")
                    .x509CertURL(evil.url("/cert.pem"))
                    .build(),
                forgedClaims(),
                new RSASSASigner(attacker));
        defaultVerifier();

        assertThat(refused(verifier.verify("Bearer " + viaJku)).failure())
            .isEqualTo(AuthFailure.UNKNOWN_KEY);
        assertThat(refused(verifier.verify("Bearer " + viaX5u)).failure())
            .isEqualTo(AuthFailure.UNKNOWN_KEY);
        assertThat(evil.requests()).isZero();
      }
    }

    @Test
    @DisplayName("an embedded jwk header is not trusted, even under the issuer's own kid")
    void embeddedJwkIgnored() throws Exception {
      RSAKey attacker = new RSAKeyGenerator(2048).generate();
      RSAKey published = issuerKey(server, ISSUER_ID);
      String withIssuerKid =
          sign(
              new JWSHeader.Builder(JWSAlgorithm.RS256)
                  .keyID(published.getKeyID())
                  .jwk(attacker.toPublicJWK())
                  .build(),
              forgedClaims(),
              new RSASSASigner(attacker));
      String withoutKid =
          sign(
              new JWSHeader.Builder(JWSAlgorithm.RS256).jwk(attacker.toPublicJWK()).build(),
              forgedClaims(),
              new RSASSASigner(attacker));
      defaultVerifier();

      assertThat(refused(verifier.verify("Bearer " + withIssuerKid)).failure())
          .isEqualTo(AuthFailure.SIGNATURE);
      assertThat(refused(verifier.verify("Bearer " + withoutKid)).failure())
          .isEqualTo(AuthFailure.SIGNATURE);
    }

    @Test
    @DisplayName("a JWKS outage after a good fetch keeps the last good keys")
    void outageKeepsLastGoodKeys() throws Exception {
      MockOAuth2Server own = new MockOAuth2Server();
      own.start(InetAddress.getByName("127.0.0.1"), 0);
      String first;
      String second;
      try {
        first = mint(own, ISSUER_ID, AUDIENCE, Map.of("email", "first@example.com"));
        second = mint(own, ISSUER_ID, AUDIENCE, Map.of("email", "second@example.com"));
        // Keys go stale after 50 ms, so the second verify really has to refetch.
        verifierFor(
            VerifierOptions.defaults()
                .withRefetchCooldown(Duration.ofMillis(1))
                .withJwksCache(Duration.ofMillis(50), Duration.ofHours(1)),
            settings(issuer(own, ISSUER_ID), AUDIENCE));
        assertThat(accepted(verifier.verify("Bearer " + first)).user())
            .isEqualTo("first@example.com");
      } finally {
        own.shutdown();
      }
      long fetchedAt = System.nanoTime();
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> System.nanoTime() - fetchedAt > TimeUnit.MILLISECONDS.toNanos(100));
      clock.advance(Duration.ofSeconds(1));

      assertThat(accepted(verifier.verify("Bearer " + second)).user())
          .isEqualTo("second@example.com");
      assertThat(verifier.jwksFetches(issuer(own, ISSUER_ID))).isEqualTo(2);
    }

    @Test
    @DisplayName("an issuer down at start-up is ISSUER_UNAVAILABLE, then works once it is up")
    void issuerDownAtStartup() throws Exception {
      int port = freePort();
      String issuer = "http://127.0.0.1:" + port + "/" + ISSUER_ID;
      verifierFor(VerifierOptions.defaults(), settings(issuer, AUDIENCE));

      assertThatThrownBy(() -> verifier.warmUp().get(20, TimeUnit.SECONDS))
          .hasCauseInstanceOf(AuthException.class)
          .cause()
          .hasMessageContaining("issuer unavailable");

      MockOAuth2Server late = new MockOAuth2Server();
      late.start(InetAddress.getByName("127.0.0.1"), port);
      try {
        String token = mint(late, ISSUER_ID, AUDIENCE, Map.of());
        assertThat(issuer(late, ISSUER_ID)).isEqualTo(issuer);
        // Inside the cool-down after the failed discovery: fails fast, no new attempt.
        assertThat(refused(verifier.verify("Bearer " + token)).failure())
            .isEqualTo(AuthFailure.ISSUER_UNAVAILABLE);

        clock.advance(Duration.ofSeconds(31));
        assertThat(accepted(verifier.verify("Bearer " + token)).user()).isEqualTo("alice-sub");
      } finally {
        late.shutdown();
      }
    }

    @Test
    @DisplayName("discovery naming a different issuer than configured is refused")
    void discoveryIssuerMismatch() throws Exception {
      // The mock server's document for /ferry names ".../ferry", we configure ".../ferry/".
      verifierFor(VerifierOptions.defaults(), settings(issuer(server, ISSUER_ID) + "/", AUDIENCE));

      assertThatThrownBy(() -> verifier.warmUp().get(20, TimeUnit.SECONDS))
          .cause()
          .isInstanceOfSatisfying(
              AuthException.class,
              e -> assertThat(e.failure()).isEqualTo(AuthFailure.ISSUER_UNAVAILABLE));
    }
  }

  @Nested
  @DisplayName("header")
  class Header {
    @Test
    @DisplayName("missing header, Basic scheme, trailing text and two tokens are refused early")
    void headerShapes() throws Exception {
      String token = aliceToken();
      defaultVerifier();

      assertThat(refused(verifier.verify(null)).failure()).isEqualTo(AuthFailure.MISSING);
      assertThat(refused(verifier.verify("")).failure()).isEqualTo(AuthFailure.MISSING);
      AuthException basic = refused(verifier.verify("Basic YWxpY2U6c2VjcmV0"));
      assertThat(basic.failure()).isEqualTo(AuthFailure.MISSING);
      assertThat(basic.getMessage()).contains("expected a Bearer token");
      assertThat(refused(verifier.verify("Bearer " + token + " trailing")).failure())
          .isEqualTo(AuthFailure.MALFORMED);
      assertThat(refused(verifier.verify("Bearer " + token + " " + token)).failure())
          .isEqualTo(AuthFailure.MALFORMED);
      AuthException garbage = refused(verifier.verify("Bearer aaaa.bbbb.cccc"));
      assertThat(garbage.failure()).isEqualTo(AuthFailure.MALFORMED);
      assertThat(garbage.getMessage()).doesNotContain("aaaa");
    }
  }

  @Nested
  @DisplayName("decision cache")
  class Cache {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    AtomicInteger tasks = new AtomicInteger();

    @AfterEach
    void stopPool() {
      pool.shutdownNow();
    }

    OidcTokenVerifier countingVerifier() {
      return verifierFor(
          VerifierOptions.defaults()
              .withExecutor(
                  task -> {
                    tasks.incrementAndGet();
                    pool.execute(task);
                  }),
          settings(issuer(server, ISSUER_ID), AUDIENCE));
    }

    @Test
    @DisplayName("a second verify of the same token completes at once, without the executor")
    void hitCompletesImmediately() throws Exception {
      String token = aliceToken();
      countingVerifier();
      VerifiedIdentity first = accepted(verifier.verify("Bearer " + token));
      drainJwksRequests(server);

      CompletableFuture<VerifiedIdentity> second = verifier.verify("Bearer " + token);

      assertThat(second).isCompletedWithValue(first);
      assertThat(tasks).hasValue(1);
      assertThat(drainJwksRequests(server)).isZero();
    }

    @Test
    @DisplayName("a cached decision never outlives the token's exp")
    void entryEndsAtExp() throws Exception {
      String token = aliceToken();
      countingVerifier();
      VerifiedIdentity identity = accepted(verifier.verify("Bearer " + token));

      clock.set(identity.expiresAt().minusSeconds(1));
      // Past the 10 min cap the entry is gone and the token is verified again (and cached again).
      assertThat(accepted(verifier.verify("Bearer " + token))).isEqualTo(identity);
      assertThat(tasks).hasValue(2);

      clock.set(identity.expiresAt().plusSeconds(61));
      assertThat(refused(verifier.verify("Bearer " + token)).failure())
          .isEqualTo(AuthFailure.EXPIRED);
      assertThat(tasks).hasValue(3);
    }

    @Test
    @DisplayName("refusals are not cached")
    void refusalsNotCached() throws Exception {
      String token = mint(server, ISSUER_ID, "someone-else", Map.of());
      countingVerifier();
      refused(verifier.verify("Bearer " + token));
      refused(verifier.verify("Bearer " + token));
      assertThat(tasks).hasValue(2);
    }
  }
}
