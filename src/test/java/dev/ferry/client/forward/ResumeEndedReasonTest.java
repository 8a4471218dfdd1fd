package dev.ferry.client.forward;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static dev.ferry.testkit.GatewayFixture.BOB;
import static dev.ferry.testkit.LoopbackClient.echo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.gateway.config.AccessRule;
import dev.ferry.gateway.config.Limits;
import dev.ferry.testkit.CountingTcpTarget;
import dev.ferry.testkit.CuttingProxy;
import dev.ferry.testkit.ForwarderEvents;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.tunnel.Protocol;
import dev.ferry.tunnel.TunnelError;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A session the gateway ended while its WebSocket was cut (held cut by a {@link CuttingProxy}): the
 * owner's next resume is told the real reason and its forwarder stops trying; anyone else, or an id
 * that never existed, gets the one plain 404.
 */
class ResumeEndedReasonTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  private static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void warmUp() throws Exception {
    fx.warmProvider();
  }

  /** A raw answer of the gateway to one tunnel request. */
  record Answer(int status, JsonNode problem) {
    String type() {
      return problem.path("type").asText();
    }

    String detail() {
      return problem.path("detail").asText();
    }
  }

  /** The gateway, an echo target, alice's forwarder through a cutting proxy, one open session. */
  static final class Cut implements AutoCloseable {
    final CountingTcpTarget target;
    final GatewayFixture.Running gw;
    final CuttingProxy cutter;
    final ForwarderEvents rec = new ForwarderEvents();
    final Forwarder forwarder;
    final Socket app;
    final String sessionId;

    Cut(Limits limits) throws Exception {
      target = CountingTcpTarget.start();
      gw =
          fx.gateway()
              .proxy("echo", target.address(), limits, new AccessRule(Set.of(ALICE, BOB), Set.of()))
              .start();
      cutter = fx.closeAfter(CuttingProxy.start(gw.port()));
      forwarder = fx.forwarder(fx.connectorVia(cutter), "echo", fx.tokens(fx.token(ALICE)), rec);
      app = new Socket();
      app.connect(new InetSocketAddress("127.0.0.1", forwarder.port()), 5000);
      app.setSoTimeout(120_000);
      echo(app, "before the cut");
      sessionId = gw.audit("session.start").get(0).path("sessionId").asText();
      // Hold the cut: every reconnect is reset until the gateway has ended the session.
      cutter.refuseNew(true);
      assertThat(cutter.cut()).isEqualTo(1);
    }

    JsonNode awaitEnd(String reason) {
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> assertThat(gw.audit("session.end")).hasSize(1));
      JsonNode end = gw.audit("session.end").get(0);
      assertThat(end.path("reason").asText()).as("audit: %s", gw.auditLines()).isEqualTo(reason);
      return end;
    }

    /** Lets the forwarder's next attempt through and waits until it gave up. */
    String releaseAndAwaitFailure() throws IOException {
      cutter.refuseNew(false);
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> assertThat(rec.resumeFailed).hasSize(1));
      assertThat(app.getInputStream().read()).as("local connection closed").isEqualTo(-1);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(rec.reasons).hasSize(1));
      assertThat(rec.refused).as("no local connection refused").isEmpty();
      return rec.resumeFailed.get(0);
    }

    /** A resume of {@code id} as {@code token}'s user, straight to the gateway. */
    Answer resume(String proxy, String token, String id) throws IOException {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", gw.port()), 5000);
        s.setSoTimeout(60_000);
        String req =
            "GET "
                + Protocol.TUNNEL_PATH_PREFIX
                + proxy
                + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\n"
                + "Connection: Upgrade\r\n"
                + "Upgrade: websocket\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Protocol: "
                + Protocol.SUBPROTOCOL
                + "\r\n"
                + "Authorization: Bearer "
                + token
                + "\r\n"
                + Protocol.RESUMABLE_HEADER
                + ": 1\r\n"
                + Protocol.RESUME_HEADER
                + ": "
                + id
                + "\r\n"
                + Protocol.RECEIVED_HEADER
                + ": 0\r\n\r\n";
        s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        String res = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = Integer.parseInt(res.substring(9, 12));
        String body = res.substring(res.indexOf("\r\n\r\n") + 4);
        assertThat(res).containsIgnoringCase("content-type: application/problem+json");
        return new Answer(status, JSON.readTree(body));
      }
    }

    @Override
    public void close() throws IOException {
      app.close();
      target.close();
    }
  }

  /** Short idle timeout, sessions not bound to their token, the default 60 s resume window. */
  static Limits idleAfter(Duration idle) {
    return new Limits(0, 0, idle, Duration.ofHours(1), Duration.ofSeconds(5), false);
  }

  /** What a caller who is not the owner, or names an id that never was, gets: the same 404. */
  static void assertPlain404(Answer a, String id) {
    assertThat(a.status()).isEqualTo(404);
    assertThat(a.type()).isEqualTo(TunnelError.SESSION_NOT_FOUND.problemType());
    assertThat(a.detail()).isEqualTo("session " + id + " is unknown, has ended or is not yours");
  }

  @Test
  @Timeout(180)
  @DisplayName("idle timeout while cut: the owner's resume learns it and stops; others get the 404")
  void idleTimeoutWhileCut() throws Exception {
    try (Cut t = new Cut(idleAfter(Duration.ofSeconds(3)))) {
      t.awaitEnd("idle-timeout");
      String failed = t.releaseAndAwaitFailure();
      assertThat(failed)
          .isEqualTo(
              "could not resume the tunnel to echo: the session ended: idle-timeout (idle for 3s)");
      assertThat(t.rec.reasons.get(0)).startsWith("session-ended: ").contains("idle-timeout");
      assertThat(t.forwarder.resumes()).isZero();
      assertThat(TunnelResumer.retryable(TunnelError.SESSION_ENDED)).isFalse();
      int attempts = t.cutter.accepted();

      // The owner, asking again, gets 410 and the reason.
      Answer own = t.resume("echo", fx.token(ALICE), t.sessionId);
      assertThat(own.status()).isEqualTo(410);
      assertThat(own.type()).isEqualTo("urn:ferry:error:session-ended");
      assertThat(own.detail()).isEqualTo("the session ended: idle-timeout (idle for 3s)");

      // Bob (allowed to the proxy) and an id that never existed: the one identical 404.
      String unknown = "AAAAAAAAAAAAAAAAAAAAAA";
      Answer bobs = t.resume("echo", fx.token(BOB), t.sessionId);
      assertPlain404(bobs, t.sessionId);
      Answer never = t.resume("echo", fx.token(ALICE), unknown);
      assertPlain404(never, unknown);
      assertThat(bobs.problem().toString().replace(t.sessionId, "ID"))
          .as("nothing tells an ended id of someone else from one that never was")
          .isEqualTo(never.problem().toString().replace(unknown, "ID"));

      List<JsonNode> denied = t.gw.audit("session.denied");
      List<String> reasons = denied.stream().map(d -> d.path("reason").asText()).toList();
      assertThat(reasons)
          .as("the forwarder's attempt and the owner's own ask name the real reason")
          .filteredOn(r -> r.startsWith("session-ended: "))
          .hasSize(2)
          .allMatch(
              r ->
                  r.equals(
                      "session-ended: resume of "
                          + t.sessionId
                          + " refused: the session ended: idle-timeout (idle for 3s)"));
      assertThat(reasons)
          .contains(
              "session-not-found: resume of " + t.sessionId + " refused: unknown or ended session");
      assertThat(denied.stream().filter(d -> d.path("user").asText().equals(BOB)))
          .singleElement()
          .satisfies(d -> assertThat(d.path("reason").asText()).startsWith("session-not-found: "));
      assertThat(t.gw.audit("session.start")).hasSize(1);
      assertThat(t.gw.audit("session.end")).hasSize(1);
      assertThat(t.target.acceptedCount()).isEqualTo(1);
      assertThat(t.cutter.accepted()).as("the forwarder stopped trying").isEqualTo(attempts);
    }
  }

  @Test
  @Timeout(180)
  @DisplayName(
      "access revoked by a reload while cut: the owner, no longer allowed, still learns why")
  void accessRevokedWhileCut() throws Exception {
    try (Cut t = new Cut(idleAfter(Duration.ofMinutes(30)))) {
      t.gw
          .server()
          .reload(
              fx.gateway()
                  .proxy(
                      "echo",
                      t.target.address(),
                      idleAfter(Duration.ofMinutes(30)),
                      new AccessRule(Set.of(BOB), Set.of()))
                  .config());
      t.awaitEnd("access-revoked");
      String failed = t.releaseAndAwaitFailure();
      assertThat(failed)
          .isEqualTo(
              "could not resume the tunnel to echo: the session ended: access-revoked"
                  + " (access to proxy echo was revoked for "
                  + ALICE
                  + ")");
      // Bob may use the proxy, but the session is not his: the plain 404.
      assertPlain404(t.resume("echo", fx.token(BOB), t.sessionId), t.sessionId);
      // Alice, no longer allowed, naming an id that is not hers: the usual answer to a stranger.
      Answer fresh = t.resume("echo", fx.token(ALICE), "AAAAAAAAAAAAAAAAAAAAAA");
      assertThat(fresh.type()).isEqualTo(TunnelError.PROXY_NOT_FOUND.problemType());
    }
  }

  @Test
  @Timeout(180)
  @DisplayName("proxy removed by a reload while cut: the owner learns it; others see no proxy")
  void proxyRemovedWhileCut() throws Exception {
    try (Cut t = new Cut(idleAfter(Duration.ofMinutes(30)))) {
      // Same issuer and server settings, the proxy echo gone.
      try (CountingTcpTarget other = CountingTcpTarget.start()) {
        t.gw
            .server()
            .reload(
                fx.gateway().proxy("other", other.address(), GatewayFixture.relaxed()).config());
      }
      t.awaitEnd("proxy-removed");
      String failed = t.releaseAndAwaitFailure();
      assertThat(failed)
          .isEqualTo(
              "could not resume the tunnel to echo: the session ended: proxy-removed"
                  + " (proxy echo was removed from the gateway's configuration)");
      assertThat(t.rec.reasons.get(0)).startsWith("session-ended: ").contains("proxy-removed");

      // Bob asks for the same id: the proxy is gone for him, as for anybody, and nothing more.
      Answer bobs = t.resume("echo", fx.token(BOB), t.sessionId);
      assertThat(bobs.status()).isEqualTo(404);
      assertThat(bobs.type()).isEqualTo(TunnelError.PROXY_NOT_FOUND.problemType());
      assertThat(bobs.detail()).doesNotContain("removed").doesNotContain("ended");
      // The owner asking through another proxy's name learns nothing either.
      assertPlain404(t.resume("other", fx.token(ALICE), t.sessionId), t.sessionId);
    }
  }
}
