package dev.ferry.gateway.server;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static dev.ferry.testkit.GatewayFixture.AUDIENCE;
import static dev.ferry.testkit.GatewayFixture.BOB;
import static dev.ferry.testkit.GatewayFixture.ISSUER_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.client.tunnel.Tunnel;
import dev.ferry.client.tunnel.TunnelRefusedException;
import dev.ferry.gateway.config.AccessRule;
import dev.ferry.gateway.config.Limits;
import dev.ferry.testkit.ForgedTokens;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.TcpTarget;
import dev.ferry.testkit.TunnelRefusals;
import dev.ferry.tunnel.TunnelError;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every way a tunnel can be refused, at the HTTP/WebSocket level: status, problem type and detail,
 * the audit record, and that the target saw no connection at all.
 */
@Timeout(60)
class TunnelRefusalTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();

  TcpTarget target;
  GatewayFixture.Running gw;

  @BeforeEach
  void start() throws Exception {
    target = fx.target(TcpTarget.echo());
    gw =
        fx.gateway()
            .proxy("db", target)
            .proxy(
                "limited",
                target.address(),
                new Limits(
                    0,
                    1,
                    Duration.ofMinutes(30),
                    Duration.ofHours(1),
                    Duration.ofSeconds(5),
                    false),
                new AccessRule(Set.of(ALICE), Set.of()))
            .start();
  }

  TunnelRefusedException refused(String proxy, String token) throws Exception {
    return TunnelRefusals.expect(gw.connector().open(proxy, token), Duration.ofSeconds(20));
  }

  void assertRefused(String proxy, String token, TunnelError error, String detail)
      throws Exception {
    TunnelRefusedException e = refused(proxy, token);
    assertThat(e.error()).isEqualTo(error);
    assertThat(e.detail()).isEqualTo(detail);
    await().atMost(Duration.ofSeconds(5)).until(() -> !gw.audit("session.denied").isEmpty());
    JsonNode denied = gw.audit("session.denied").get(0);
    assertThat(denied.path("reason").asText()).startsWith(error.tag() + ": ");
    assertThat(gw.auditLines()).allMatch(l -> token == null || !l.contains(token));
    assertThat(target.accepted()).isZero();
  }

  static final ForgedTokens forged = new ForgedTokens(fx);

  @Nested
  @DisplayName("401: the token")
  class Tokens {
    @Test
    void missing() throws Exception {
      assertRefused("db", null, TunnelError.UNAUTHENTICATED, "missing bearer token");
    }

    @Test
    void expired() throws Exception {
      String token = fx.token(ALICE);
      fx.verifierClock().set(Instant.now().plus(Duration.ofHours(2)));
      assertRefused("db", token, TunnelError.TOKEN_EXPIRED, "token expired");
    }

    @Test
    void notYetValid() throws Exception {
      String token = fx.token(ALICE);
      fx.verifierClock().set(Instant.now().minus(Duration.ofHours(1)));
      TunnelRefusedException e = refused("db", token);
      assertThat(e.error()).isEqualTo(TunnelError.UNAUTHENTICATED);
      assertThat(e.detail()).containsIgnoringCase("not yet valid");
      assertThat(target.accepted()).isZero();
    }

    @Test
    void wrongIssuer() throws Exception {
      String token = fx.token("other", AUDIENCE, Map.of("email", ALICE));
      TunnelRefusedException e = refused("db", token);
      assertThat(e.error()).isEqualTo(TunnelError.UNAUTHENTICATED);
      assertThat(e.detail()).contains("issuer");
      assertThat(target.accepted()).isZero();
    }

    @Test
    void wrongAudience() throws Exception {
      String token = fx.token(ISSUER_ID, "someone-else", Map.of("email", ALICE));
      assertRefused(
          "db",
          token,
          TunnelError.UNAUTHENTICATED,
          "wrong audience: expected one of [ferry-gateway]");
    }

    @Test
    void algNone() throws Exception {
      TunnelRefusedException e = refused("db", forged.algNone(ALICE));
      assertThat(e.error()).isEqualTo(TunnelError.UNAUTHENTICATED);
      assertThat(target.accepted()).isZero();
    }

    @Test
    @DisplayName("HS256 signed with the issuer's RSA public key")
    void hmacWithPublicKey() throws Exception {
      TunnelRefusedException e = refused("db", forged.hmacWithPublicKey(ALICE));
      assertThat(e.error()).isEqualTo(TunnelError.UNAUTHENTICATED);
      assertThat(target.accepted()).isZero();
    }

    @Test
    void tamperedSignature() throws Exception {
      TunnelRefusedException e = refused("db", ForgedTokens.tampered(fx.token(ALICE)));
      assertThat(e.error()).isEqualTo(TunnelError.UNAUTHENTICATED);
      assertThat(target.accepted()).isZero();
    }

    @Test
    void unknownKid() throws Exception {
      TunnelRefusedException e = refused("db", forged.unknownKid(ALICE));
      assertThat(e.error()).isEqualTo(TunnelError.UNAUTHENTICATED);
      assertThat(target.accepted()).isZero();
    }

    @Test
    void trailingText() throws Exception {
      TunnelRefusedException e = refused("db", fx.token(ALICE) + " trailing");
      assertThat(e.error()).isEqualTo(TunnelError.UNAUTHENTICATED);
      assertThat(target.accepted()).isZero();
    }

    @Test
    @DisplayName("every failed check is counted by reason")
    void counted() throws Exception {
      refused("db", null);
      assertThat(gw.metrics()).contains("ferry_auth_failures_total{reason=\"missing\"} 1.0");
    }
  }

  @Nested
  @DisplayName("404: unknown and not allowed read the same")
  class NotFound {
    @Test
    void unknownProxy() throws Exception {
      assertRefused(
          "nope",
          fx.token(ALICE),
          TunnelError.PROXY_NOT_FOUND,
          "proxy nope is unknown or not available to you");
    }

    @Test
    void notAllowed() throws Exception {
      TunnelRefusedException notAllowed = refused("db", fx.token(BOB, "dev"));
      TunnelRefusedException unknown = refused("dbx", fx.token(BOB, "dev"));
      assertThat(notAllowed.error()).isEqualTo(TunnelError.PROXY_NOT_FOUND);
      assertThat(notAllowed.detail()).isEqualTo("proxy db is unknown or not available to you");
      assertThat(unknown.detail()).isEqualTo(notAllowed.detail().replace(" db ", " dbx "));
      assertThat(target.accepted()).isZero();
    }

    @Test
    @DisplayName("group membership from the token allows")
    void group() throws Exception {
      Tunnel t = gw.open("db", fx.token(BOB, "dba"));
      t.close();
      await().atMost(Duration.ofSeconds(5)).until(() -> target.accepted() == 1);
    }
  }

  @Test
  @DisplayName("429 when the per-user limit is reached")
  void limitReached() throws Exception {
    Tunnel first = gw.open("limited", fx.token(ALICE));
    await().atMost(Duration.ofSeconds(5)).until(() -> target.accepted() == 1);
    TunnelRefusedException e = refused("limited", fx.token(ALICE));
    assertThat(e.error()).isEqualTo(TunnelError.LIMIT_REACHED);
    assertThat(e.detail())
        .isEqualTo("limit reached: proxy limited allows at most 1 sessions per user");
    assertThat(target.accepted()).isEqualTo(1);
    first.close();
  }

  @Test
  @DisplayName("502 when the upstream refuses the connection")
  void upstreamRefused() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closedPort = s.getLocalPort();
    }
    GatewayFixture.Running g2 =
        fx.gateway().proxy("gone", "127.0.0.1:" + closedPort, GatewayFixture.relaxed()).start();
    TunnelRefusedException r =
        TunnelRefusals.expect(g2.connector().open("gone", fx.token(ALICE)), Duration.ofSeconds(20));
    assertThat(r.error()).isEqualTo(TunnelError.UPSTREAM_REFUSED);
    assertThat(r.detail())
        .isEqualTo("upstream 127.0.0.1:" + closedPort + " refused the connection");
    assertThat(g2.audit("session.denied")).hasSize(1);
  }

  @Test
  @DisplayName("504 when the upstream connect hangs (a loopback listener with a full accept queue)")
  void upstreamTimeout() throws Exception {
    TcpTarget stuck = fx.closeAfter(TcpTarget.notAccepting());
    // Fill the accept queue; further SYNs are dropped, so the next connect hangs.
    List<Socket> fillers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Socket s = new Socket();
      try {
        s.connect(new java.net.InetSocketAddress("127.0.0.1", stuck.port()), 200);
        fillers.add(fx.closeAfter(s));
      } catch (java.io.IOException full) {
        s.close();
        break;
      }
    }
    Limits limits =
        new Limits(
            0, 0, Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofMillis(500), false);
    GatewayFixture.Running g2 = fx.gateway().proxy("stuck", stuck, limits).start();
    TunnelRefusedException r =
        TunnelRefusals.expect(
            g2.connector().open("stuck", fx.token(ALICE)), Duration.ofSeconds(20));
    assertThat(r.error()).isEqualTo(TunnelError.UPSTREAM_TIMEOUT);
    assertThat(r.detail())
        .isEqualTo("upstream " + stuck.address() + " connect timed out after 500ms");
    assertThat(stuck.accepted()).isZero();
  }

  @Nested
  @DisplayName("400 / 403 / 405 / 404 at the HTTP level")
  class Http {
    HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(gw.url() + path)).timeout(Duration.ofSeconds(10));
      headers.forEach(b::header);
      return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @DisplayName("a plain GET on the tunnel path is 400")
    void notUpgrade() throws Exception {
      HttpResponse<String> r =
          get("/v1/tunnel/db", Map.of("Authorization", "Bearer " + fx.token(ALICE)));
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.headers().firstValue("content-type")).hasValue("application/problem+json");
      assertThat(r.body()).contains("not a WebSocket upgrade request");
      assertThat(target.accepted()).isZero();
    }

    @Test
    @DisplayName("a foreign Origin is 403 before any token check")
    void origin() throws Exception {
      try (Socket s = new Socket("127.0.0.1", gw.port())) {
        s.setSoTimeout(10_000);
        String req =
            "GET /v1/tunnel/db HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Protocol: ferry.v1\r\nOrigin: https://evil.example\r\n"
                + "Authorization: Bearer "
                + fx.token(ALICE)
                + "\r\n\r\n";
        s.getOutputStream().write(req.getBytes());
        String answer = new String(s.getInputStream().readAllBytes());
        assertThat(answer).startsWith("HTTP/1.1 403");
        assertThat(answer).contains("origin https://evil.example is not allowed");
      }
      assertThat(target.accepted()).isZero();
    }

    @Test
    void unknownPathAndMethod() throws Exception {
      assertThat(get("/nope", Map.of()).statusCode()).isEqualTo(404);
      HttpResponse<String> post =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(gw.url() + "/v1/info"))
                      .POST(HttpRequest.BodyPublishers.ofString("x"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);
    }

    @Test
    void infoAndProxies() throws Exception {
      HttpResponse<String> info = get("/v1/info", Map.of());
      assertThat(info.statusCode()).isEqualTo(200);
      assertThat(info.body()).contains("\"protocol\":\"ferry.v1\"").contains(fx.issuer());
      HttpResponse<String> proxies =
          get("/v1/proxies", Map.of("Authorization", "Bearer " + fx.token(BOB, "dba")));
      assertThat(proxies.statusCode()).isEqualTo(200);
      assertThat(proxies.body()).contains("\"user\":\"" + BOB + "\"").contains("\"name\":\"db\"");
      assertThat(proxies.body()).doesNotContain("limited");
      assertThat(get("/v1/proxies", Map.of()).statusCode()).isEqualTo(401);
      assertThat(get("/healthz", Map.of()).statusCode()).isEqualTo(200);
      assertThat(get("/readyz", Map.of()).statusCode()).isEqualTo(200);
    }
  }
}
