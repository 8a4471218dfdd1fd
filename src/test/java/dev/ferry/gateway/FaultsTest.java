package dev.ferry.gateway;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static dev.ferry.testkit.GatewayFixture.AUDIENCE;
import static dev.ferry.testkit.GatewayFixture.CLIENT_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.ferry.client.forward.Forwarder;
import dev.ferry.client.tunnel.Tunnel;
import dev.ferry.client.tunnel.TunnelRefusedException;
import dev.ferry.gateway.config.AccessRule;
import dev.ferry.gateway.config.AuditSettings;
import dev.ferry.gateway.config.GatewayConfig;
import dev.ferry.gateway.config.IssuerSettings;
import dev.ferry.gateway.config.ProxyConfig;
import dev.ferry.gateway.config.ServerSettings;
import dev.ferry.gateway.config.Target;
import dev.ferry.testkit.ForwarderEvents;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.LoopbackClient;
import dev.ferry.testkit.TcpTarget;
import dev.ferry.testkit.TunnelRefusals;
import dev.ferry.tunnel.TunnelError;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Faults from outside the gateway (issue 6, item 6), each ending with a clear reason on the client
 * and a correct audit record, nothing hanging: the upstream resets mid-stream, the OIDC provider
 * goes down, the clock is skewed to the edge of the allowed 60 s. (SIGKILL of the gateway process:
 * {@code dev.ferry.cli.GatewayKillTest}.)
 */
@Timeout(120)
class FaultsTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  static final Duration WAIT = Duration.ofSeconds(30);

  static TunnelRefusedException refusal(GatewayFixture.Running gw, String proxy, String token)
      throws Exception {
    return TunnelRefusals.expect(gw.connector().open(proxy, token), WAIT);
  }

  @Test
  @DisplayName(
      "the upstream resets (SO_LINGER 0) while data flows: upstream-reset on the client and in"
          + " the audit, the local socket closes")
  void upstreamResetMidStream() throws Exception {
    AtomicLong sent = new AtomicLong();
    TcpTarget resetter =
        fx.target(
            (s, t) -> {
              // Wait for the client's first byte: it can only come through an open tunnel, so the
              // reset below cannot land while the gateway is still setting the tunnel up (that
              // is a 502 refusal, see UpstreamEarlyCloseTest, not a reset mid-stream).
              assertThat(s.getInputStream().read()).isNotNegative();
              OutputStream out = s.getOutputStream();
              byte[] chunk = new byte[16 * 1024];
              for (int i = 0; i < 64; i++) {
                out.write(chunk);
                sent.addAndGet(chunk.length);
              }
              out.flush();
              // Still sending as far as the client knows: abort with RST, not FIN.
              s.setSoLinger(true, 0);
              s.close();
            });
    GatewayFixture.Running gw = fx.gateway().proxy("db", resetter).start();
    ForwarderEvents rec = new ForwarderEvents();
    Forwarder f = fx.forwarder(gw.connector(), "db", fx.tokens(fx.token(ALICE)), rec);
    long received = 0;
    try (Socket s = LoopbackClient.connect(f.port(), WAIT)) {
      s.getOutputStream().write(1);
      InputStream in = s.getInputStream();
      byte[] buf = new byte[64 * 1024];
      try {
        int n;
        while ((n = in.read(buf)) >= 0) {
          received += n;
        }
      } catch (SocketException reset) {
        // a reset of the local connection is an end too; the timeout is not
      }
    }
    assertThat(received).isLessThanOrEqualTo(sent.get());
    await().atMost(WAIT).until(() -> !rec.reasons.isEmpty());
    assertThat(rec.reasons.get(0)).startsWith("upstream-reset").contains("reset the connection");
    await().atMost(WAIT).until(() -> gw.audit("session.end").size() == 1);
    JsonNode end = gw.audit("session.end").get(0);
    assertThat(end.path("reason").asText()).isEqualTo("upstream-reset");
    assertThat(end.path("bytesDown").asLong()).isPositive();
    assertThat(gw.metrics())
        .contains("ferry_sessions_total{proxy=\"db\",result=\"upstream-reset\"} 1.0");
  }

  @Nested
  @DisplayName("the OIDC provider goes down")
  class ProviderDown {
    static final String ISSUER_ID = "down";

    String issuer(MockOAuth2Server on) {
      return "http://127.0.0.1:" + on.baseUrl().port() + "/" + ISSUER_ID;
    }

    String mint(MockOAuth2Server on, String email) {
      return on.anyToken(
              HttpUrl.get(issuer(on)),
              Map.of("email", email, "sub", "sub-" + email, "aud", List.of(AUDIENCE)),
              Duration.ofMillis(3600))
          .serialize();
    }

    /** Signed by a key the provider never published (as after a rotation we could not fetch). */
    String newKid(String issuer, String email) throws Exception {
      RSAKey rotated = new RSAKeyGenerator(2048).keyID("rotated-key").generate();
      Instant now = Instant.now();
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rotated-key").build(),
              new JWTClaimsSet.Builder()
                  .issuer(issuer)
                  .audience(AUDIENCE)
                  .subject("sub-" + email)
                  .claim("email", email)
                  .issueTime(Date.from(now))
                  .expirationTime(Date.from(now.plusSeconds(3600)))
                  .build());
      jwt.sign(new RSASSASigner(rotated));
      return jwt.serialize();
    }

    @Test
    @DisplayName(
        "cached keys keep serving new tunnels; a token with a new kid is refused at once with"
            + " \"cannot fetch the issuer's keys\"")
    void cachedKeysKeepWorking() throws Exception {
      MockOAuth2Server own = new MockOAuth2Server();
      own.start(InetAddress.getByName("127.0.0.1"), 0);
      String issuer = issuer(own);
      TcpTarget echo = fx.target(TcpTarget.echo());
      String first;
      String second;
      String third;
      GatewayFixture.Running gw;
      try {
        first = mint(own, ALICE);
        second = mint(own, ALICE);
        third = mint(own, "dba@example.com");
        gw =
            fx.start(
                new GatewayConfig(
                    new ServerSettings("down-test", "127.0.0.1", 0, null, null, List.of()),
                    List.of(
                        new IssuerSettings(
                            issuer, List.of(AUDIENCE), CLIENT_ID, List.of("openid"), null, null)),
                    new AuditSettings(null),
                    List.of(
                        new ProxyConfig(
                            "echo",
                            "",
                            Target.parse(echo.address()),
                            "tcp",
                            List.of(),
                            new AccessRule(Set.of(ALICE, "dba@example.com"), Set.of()),
                            GatewayFixture.relaxed()))));
        Tunnel t = gw.connector().open("echo", first).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        t.close();
      } finally {
        own.shutdown();
      }
      // The provider is gone; the key it published is cached.
      Tunnel t2 = gw.connector().open("echo", second).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      t2.close();
      // Past the refetch cool-down, so an unknown kid really tries the (dead) provider.
      fx.verifierClock().set(Instant.now().plusSeconds(31));
      String rotated = newKid(issuer, ALICE);
      String detail = refusal(gw, "echo", rotated).getMessage();
      assertThat(detail).contains("cannot fetch the issuer's keys").contains("rotated-key");
      // Still the cached key for the old kid, for another user too.
      Tunnel t3 = gw.connector().open("echo", third).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      t3.close();
      List<JsonNode> denied = gw.audit("session.denied");
      assertThat(denied).hasSize(1);
      assertThat(denied.get(0).path("reason").asText())
          .startsWith("unauthenticated: cannot fetch the issuer's keys");
      assertThat(gw.metrics())
          .contains("ferry_auth_failures_total{reason=\"issuer-unavailable\"} 1.0");
      await().atMost(WAIT).until(() -> gw.audit("session.end").size() == 3);
    }
  }

  @Nested
  @DisplayName("clock skew at the limits of the 60 s allowance, through a tunnel")
  class Skew {
    Instant exp(String token) throws Exception {
      return SignedJWT.parse(token).getJWTClaimsSet().getExpirationTime().toInstant();
    }

    Instant nbf(String token) throws Exception {
      return SignedJWT.parse(token).getJWTClaimsSet().getNotBeforeTime().toInstant();
    }

    @Test
    @DisplayName("exp 59 s ago opens; exp 61 s ago is 401 token-expired, audited as denied")
    void expiry() throws Exception {
      TcpTarget echo = fx.target(TcpTarget.echo());
      GatewayFixture.Running gw = fx.gateway().proxy("db", echo).start();
      String inside = fx.token(ALICE);
      String outside = fx.token(ALICE, "other");

      fx.verifierClock().set(exp(inside).plusSeconds(59));
      gw.connector().open("db", inside).get(WAIT.toSeconds(), TimeUnit.SECONDS).close();

      fx.verifierClock().set(exp(outside).plusSeconds(61));
      assertThat(refusal(gw, "db", outside).error()).isEqualTo(TunnelError.TOKEN_EXPIRED);
      assertThat(gw.audit("session.denied")).hasSize(1);
      assertThat(gw.audit("session.denied").get(0).path("reason").asText())
          .isEqualTo("token-expired: token expired");
      assertThat(echo.accepted()).isEqualTo(1);
    }

    @Test
    @DisplayName("nbf 59 s ahead opens; nbf 61 s ahead is 401 not yet valid, audited as denied")
    void notBefore() throws Exception {
      TcpTarget echo = fx.target(TcpTarget.echo());
      GatewayFixture.Running gw = fx.gateway().proxy("db", echo).start();
      String inside = fx.token(ALICE);
      String outside = fx.token(ALICE, "other");

      fx.verifierClock().set(nbf(inside).minusSeconds(59));
      gw.connector().open("db", inside).get(WAIT.toSeconds(), TimeUnit.SECONDS).close();

      fx.verifierClock().set(nbf(outside).minusSeconds(61));
      assertThat(refusal(gw, "db", outside).error()).isEqualTo(TunnelError.UNAUTHENTICATED);
      assertThat(gw.audit("session.denied").get(0).path("reason").asText())
          .contains("not yet valid");
      assertThat(echo.accepted()).isEqualTo(1);
    }
  }
}
