package dev.ferry.gateway;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.client.forward.Forwarder;
import dev.ferry.testkit.ForwarderEvents;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.LoopbackClient;
import dev.ferry.testkit.RawWebSocket;
import dev.ferry.testkit.TcpTarget;
import dev.ferry.tunnel.TunnelError;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An upstream that accepts the TCP connection and drops it at once, before anything was read. A
 * reset lands on either side of the 101, depending on whether the gateway saw its connect finish
 * before the RST arrived (here roughly one attempt in three lands before): before, the connect
 * fails with ECONNRESET and the tunnel is refused with 502; after, the running tunnel ends with
 * close 4510. Either way the client and the audit must say {@code upstream-reset}, never "refused",
 * which tells an operator that nothing listened. A clean close (FIN) at once is a normal end of an
 * established tunnel (half-close: the upstream had nothing to say).
 */
@Timeout(180)
class UpstreamEarlyCloseTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  static final Duration WAIT = Duration.ofSeconds(30);

  /** Attempts per test: each lands before the 101 with a chance of about a third here. */
  static final int ATTEMPTS = 20;

  @Test
  @DisplayName(
      "reset at once, on the wire: 502 upstream-reset before the 101, or close 4510 after it;"
          + " never upstream-refused")
  void resetOnTheWire() throws Exception {
    TcpTarget resetter = fx.target(TcpTarget.resetAtOnce());
    GatewayFixture.Running gw = fx.gateway().proxy("db", resetter).start();
    String token = fx.token(ALICE);
    int refused = 0;
    for (int i = 0; i < ATTEMPTS; i++) {
      try (RawWebSocket ws = RawWebSocket.open(gw.port(), "db", token)) {
        if (ws.status() == 101) {
          RawWebSocket.Frame close = ws.awaitClose();
          assertThat(close).as("a close frame, not a cut connection").isNotNull();
          assertThat(close.closeCode()).isEqualTo(TunnelError.UPSTREAM_CLOSED.closeCode());
          assertThat(close.closeReason())
              .isEqualTo("upstream " + resetter.address() + " reset the connection");
        } else {
          refused++;
          assertThat(ws.status()).as(ws.head()).isEqualTo(502);
          assertThat(ws.body())
              .contains("\"type\":\"urn:ferry:error:upstream-reset\"")
              .contains(
                  "\"detail\":\"upstream "
                      + resetter.address()
                      + " reset the connection right after accepting it\"");
        }
      }
      int done = i + 1;
      await()
          .atMost(WAIT)
          .until(() -> gw.audit("session.denied").size() + gw.audit("session.end").size() == done);
    }
    System.out.printf(
        "early reset on the wire: %d of %d refused before the 101, %d ended after it%n",
        refused, ATTEMPTS, ATTEMPTS - refused);
    assertThat(resetter.accepted()).isEqualTo(ATTEMPTS);
    assertAudited(gw, resetter, refused);
  }

  @Test
  @DisplayName(
      "reset at once, through a forwarder: refused or ended, the client names upstream-reset")
  void resetThroughForwarder() throws Exception {
    TcpTarget resetter = fx.target(TcpTarget.resetAtOnce());
    GatewayFixture.Running gw = fx.gateway().proxy("db", resetter).start();
    ForwarderEvents rec = new ForwarderEvents();
    Forwarder f = fx.forwarder(gw.connector(), "db", fx.tokens(fx.token(ALICE)), rec);
    for (int i = 0; i < ATTEMPTS; i++) {
      try (Socket s = LoopbackClient.connect(f.port(), WAIT)) {
        readToEnd(s);
      }
      int done = i + 1;
      await().atMost(WAIT).until(() -> rec.closed.size() + rec.refused.size() == done);
    }
    String address = resetter.address();
    // What `ferry connect` prints after "refused: " and what `ferry stdio` exits with (5).
    // isSubsetOf, not containsOnly: either side of the 101 may get no attempt at all in a run.
    assertThat(rec.refusedErrors).as(rec.toString()).isSubsetOf(TunnelError.UPSTREAM_CLOSED);
    assertThat(rec.refused)
        .isSubsetOf("upstream " + address + " reset the connection right after accepting it");
    assertThat(TunnelError.UPSTREAM_CLOSED.exitCode()).isEqualTo(5);
    // What it prints after "ended: ".
    assertThat(rec.reasons)
        .isSubsetOf("upstream-reset: upstream " + address + " reset the connection");
    System.out.printf(
        "early reset through a forwarder: %d of %d refused before the 101, %d ended after it%n",
        rec.refused.size(), ATTEMPTS, rec.closed.size());
    assertAudited(gw, resetter, rec.refused.size());
  }

  /** Every attempt is audited once, as a denial or an end, and always as upstream-reset. */
  private static void assertAudited(GatewayFixture.Running gw, TcpTarget target, int refused) {
    await()
        .atMost(WAIT)
        .until(
            () -> gw.audit("session.denied").size() + gw.audit("session.end").size() == ATTEMPTS);
    List<JsonNode> denied = gw.audit("session.denied");
    List<JsonNode> ended = gw.audit("session.end");
    assertThat(denied).hasSize(refused);
    assertThat(denied)
        .extracting(d -> d.path("reason").asText())
        .isSubsetOf(
            "upstream-reset: upstream "
                + target.address()
                + " reset the connection right after accepting it");
    assertThat(ended).hasSize(ATTEMPTS - refused);
    assertThat(ended).extracting(e -> e.path("reason").asText()).isSubsetOf("upstream-reset");
    assertThat(gw.auditLines()).noneMatch(l -> l.contains("upstream-refused"));
    assertThat(gw.metrics())
        .contains("ferry_sessions_total{proxy=\"db\",result=\"upstream-reset\"} " + ATTEMPTS + ".0")
        .doesNotContain("result=\"upstream-refused\"");
  }

  @Test
  @DisplayName(
      "clean close at once (FIN, nothing read): the client reads EOF and the session completes,"
          + " as any upstream that has nothing to say")
  void cleanCloseIsANormalEnd() throws Exception {
    TcpTarget closer = fx.target(TcpTarget.closeAtOnce());
    GatewayFixture.Running gw = fx.gateway().proxy("db", closer).start();
    ForwarderEvents rec = new ForwarderEvents();
    Forwarder f = fx.forwarder(gw.connector(), "db", fx.tokens(fx.token(ALICE)), rec);
    int attempts = 5;
    for (int i = 0; i < attempts; i++) {
      try (Socket s = LoopbackClient.connect(f.port(), WAIT)) {
        // EOF, not a reset: the upstream's FIN travels as the tunnel's EOF.
        assertThat(s.getInputStream().read()).isEqualTo(-1);
      }
      int done = i + 1;
      await().atMost(WAIT).until(() -> rec.closed.size() + rec.refused.size() == done);
    }
    assertThat(rec.refused).as(rec.toString()).isEmpty();
    assertThat(rec.reasons).containsOnly("completed");
    await().atMost(WAIT).until(() -> gw.audit("session.end").size() == attempts);
    assertThat(gw.audit("session.end"))
        .extracting(e -> e.path("reason").asText())
        .containsOnly("completed");
    assertThat(gw.audit("session.denied")).isEmpty();
  }

  /** Reads until EOF or a reset: either is how the local client learns the connection ended. */
  private static void readToEnd(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    byte[] buf = new byte[1024];
    try {
      while (in.read(buf) >= 0) {
        // nothing is expected, but a byte would not be an error here
      }
    } catch (SocketException reset) {
      // a reset of the local connection is an end too; the read timeout is not
    }
  }
}
