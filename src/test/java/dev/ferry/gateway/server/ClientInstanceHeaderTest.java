package dev.ferry.gateway.server;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.client.tunnel.ClientInstance;
import dev.ferry.client.tunnel.Tunnel;
import dev.ferry.client.tunnel.TunnelConnector;
import dev.ferry.client.tunnel.TunnelRefusedException;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.HostileTally;
import dev.ferry.testkit.RawWebSocket;
import dev.ferry.testkit.TcpTarget;
import dev.ferry.tunnel.Protocol;
import dev.ferry.tunnel.TunnelError;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code Ferry-Client-Instance} at the gateway's door: what the real connector sends, strict
 * checking (a malformed one is 400 naming the header, on an open and on a resume, before anything
 * else is looked at), absence allowed (older clients), and the audit's {@code clientInstance} on
 * session.start only.
 */
@Timeout(60)
class ClientInstanceHeaderTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();

  static final String BAD_DETAIL =
      "the Ferry-Client-Instance header must be one value of 16 to 64 characters A-Z a-z 0-9 - _";

  TcpTarget target;
  GatewayFixture.Running gw;

  @BeforeEach
  void start() throws Exception {
    target = fx.target(TcpTarget.echo());
    gw = fx.gateway().proxy("db", target).start();
  }

  @Test
  @DisplayName("the process's id: 128 random bits in base64url, well-formed, one per process")
  void processId() {
    String id = ClientInstance.process();
    assertThat(id).matches(Protocol.CLIENT_INSTANCE_PATTERN).hasSize(22);
    assertThat(ClientInstance.process()).isEqualTo(id);
    Set<String> fresh = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String n = ClientInstance.newId();
      assertThat(n).matches(Protocol.CLIENT_INSTANCE_PATTERN);
      fresh.add(n);
    }
    assertThat(fresh).hasSize(1000).doesNotContain(id);
  }

  @Test
  @DisplayName("the connector sends the process's id; session.start records it, nothing else does")
  void auditedOnStart() throws Exception {
    String token = fx.token(ALICE);
    Tunnel t = gw.open("db", token);
    t.close();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(gw.audit("session.end")).hasSize(1));
    JsonNode start = gw.audit("session.start").get(0);
    assertThat(start.path("clientInstance").asText()).isEqualTo(ClientInstance.process());
    assertThat(gw.audit("session.end").get(0).has("clientInstance")).isFalse();
    assertThat(gw.auditLines()).noneMatch(l -> l.contains(token));

    // An older client sends none: admitted, and its start record has no such field.
    TunnelConnector older = gw.connector(null);
    older.clientInstance(null);
    older.open("db", fx.token(ALICE)).get(20, TimeUnit.SECONDS).close();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(gw.audit("session.end")).hasSize(2));
    assertThat(gw.audit("session.start").get(1).has("clientInstance")).isFalse();
    assertThat(target.accepted()).isEqualTo(2);
  }

  @Test
  @DisplayName("malformed: too short, too long, outside base64url: 400 naming the header")
  void malformedIsRefused() throws Exception {
    TunnelConnector c = gw.connector(null);
    List<String> bad =
        List.of(
            "short", "x".repeat(65), "abcdefghijklmnop+", "abcdefghijklmnop=", "abc def ghi jkl m");
    int refused = 0;
    for (String value : bad) {
      c.clientInstance(value);
      try {
        c.open("db", fx.token(ALICE)).get(20, TimeUnit.SECONDS).close();
      } catch (ExecutionException e) {
        assertThat(e.getCause()).as(value).isInstanceOf(TunnelRefusedException.class);
        TunnelRefusedException r = (TunnelRefusedException) e.getCause();
        assertThat(r.error()).as(value).isEqualTo(TunnelError.BAD_REQUEST);
        assertThat(r.detail()).as(value).isEqualTo(BAD_DETAIL);
        refused++;
      }
    }
    HostileTally.record(
        "malformed Ferry-Client-Instance headers", bad.size(), bad.size() - refused);
    assertThat(refused).isEqualTo(bad.size());
    assertThat(target.accepted()).as("no upstream for a malformed header").isZero();
    // The bounds themselves are fine.
    for (String value : List.of("a".repeat(16), "Z-_9".repeat(16))) {
      c.clientInstance(value);
      c.open("db", fx.token(ALICE)).get(20, TimeUnit.SECONDS).close();
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(gw.audit("session.denied")).hasSize(bad.size()));
    assertThat(gw.audit("session.denied"))
        .allSatisfy(
            d ->
                assertThat(d.path("reason").asText())
                    .isEqualTo(TunnelError.BAD_REQUEST.tag() + ": " + BAD_DETAIL));
    assertThat(target.accepted()).as("only the two well-formed ones").isEqualTo(2);
  }

  @Test
  @DisplayName("checked before the token: a malformed one is 400 even without a valid token")
  void checkedBeforeTheToken() throws Exception {
    Map<String, String> h = RawWebSocket.upgradeHeaders();
    h.put(Protocol.CLIENT_INSTANCE_HEADER, "!");
    try (RawWebSocket ws = RawWebSocket.connect(gw.port())) {
      ws.request("GET", Protocol.TUNNEL_PATH_PREFIX + "db", h);
      assertThat(ws.status()).isEqualTo(400);
      assertThat(ws.body()).contains(BAD_DETAIL);
    }
  }

  @Test
  @DisplayName("two of them: 400; on a resume too (it is checked for every tunnel request)")
  void twoValuesAndResume() throws Exception {
    String id = ClientInstance.newId();
    String head =
        "GET /v1/tunnel/db HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + "Sec-WebSocket-Protocol: ferry.v1\r\nAuthorization: Bearer "
            + fx.token(ALICE)
            + "\r\nFerry-Client-Instance: "
            + id
            + "\r\nFerry-Client-Instance: "
            + ClientInstance.newId()
            + "\r\n\r\n";
    try (RawWebSocket ws = RawWebSocket.connect(gw.port())) {
      ws.sendHead(head.getBytes(StandardCharsets.ISO_8859_1));
      assertThat(ws.status()).isEqualTo(400);
      assertThat(ws.body()).contains(BAD_DETAIL);
    }

    Map<String, String> h = RawWebSocket.upgradeHeaders();
    h.put("Authorization", "Bearer " + fx.token(ALICE));
    h.put(Protocol.RESUMABLE_HEADER, "1");
    h.put(Protocol.RESUME_HEADER, "no-such-session");
    h.put(Protocol.RECEIVED_HEADER, "0");
    h.put(Protocol.CLIENT_INSTANCE_HEADER, id + "/");
    try (RawWebSocket ws = RawWebSocket.connect(gw.port())) {
      ws.request("GET", Protocol.TUNNEL_PATH_PREFIX + "db", h);
      assertThat(ws.status()).as("400, not the 404 of an unknown session").isEqualTo(400);
      assertThat(ws.body()).contains(BAD_DETAIL);
    }
    assertThat(target.accepted()).isZero();
  }
}
