package dev.ferry.gateway.session;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static dev.ferry.testkit.GatewayFixture.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.client.tunnel.ClientInstance;
import dev.ferry.gateway.config.AccessRule;
import dev.ferry.gateway.config.Limits;
import dev.ferry.testkit.CountingTcpTarget;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.RawWebSocket;
import dev.ferry.tunnel.FrameType;
import dev.ferry.tunnel.Protocol;
import dev.ferry.tunnel.TunnelError;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that crashed leaves its resumable session waiting for a resume (its WebSocket closed
 * without a close frame), still counted against the proxy's caps. The same user's next tunnel takes
 * its slot instead of being refused; nobody else's session and no live one is ever taken. Raw
 * clients ({@link RawWebSocket}) that send {@code Ferry-Resumable: 1} and then just close their TCP
 * connection play the crashed client, against a real gateway, OIDC provider and echo target. Each
 * raw client is its own client process (its own {@code Ferry-Client-Instance}) unless a test says
 * otherwise: the restarted client is a new instance, or an older client that sends none.
 */
class SupersedeWaitingSessionTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The resume window is far longer than any test: only superseding can end a waiting session. */
  private static final Duration WINDOW = Duration.ofMinutes(10);

  private static final String SUPERSEDED_DETAIL =
      "the session ended: superseded"
          + " (replaced by a new tunnel of the same user while waiting for a resume)";

  @BeforeAll
  static void warmUp() throws Exception {
    fx.warmProvider();
  }

  static Limits limits(int max, int perUser) {
    return new Limits(
            max, perUser, Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofSeconds(5), false)
        .withResumeWindow(WINDOW);
  }

  /** A gateway with proxy "echo" (alice and bob allowed) in front of {@code target}. */
  static GatewayFixture.Running gateway(CountingTcpTarget target, Limits limits) throws Exception {
    return fx.gateway()
        .proxy("echo", target.address(), limits, new AccessRule(Set.of(ALICE, BOB), Set.of()))
        .start();
  }

  /** One raw tunnel and the DATA bytes it received. */
  static final class Client implements AutoCloseable {
    final RawWebSocket ws;
    long received;

    Client(RawWebSocket ws) {
      this.ws = ws;
    }

    /**
     * Opens a resumable tunnel as {@code token}'s user from a client process of its own; check
     * {@link #status()}.
     */
    static Client open(int port, String token) throws IOException {
      return open(port, token, ClientInstance.newId());
    }

    /** Opens from client instance {@code instance} (null: an older client that sends none). */
    static Client open(int port, String token, String instance) throws IOException {
      return request(port, token, instance, Map.of());
    }

    /** Asks to resume {@code sessionId}, having received {@code received} DATA bytes. */
    static Client resume(int port, String token, String sessionId, long received)
        throws IOException {
      return resume(port, token, sessionId, received, ClientInstance.newId());
    }

    static Client resume(int port, String token, String sessionId, long received, String instance)
        throws IOException {
      return request(
          port,
          token,
          instance,
          Map.of(
              Protocol.RESUME_HEADER,
              sessionId,
              Protocol.RECEIVED_HEADER,
              Long.toString(received)));
    }

    private static Client request(
        int port, String token, String instance, Map<String, String> extra) throws IOException {
      Map<String, String> h = RawWebSocket.upgradeHeaders();
      h.put("Authorization", "Bearer " + token);
      h.put(Protocol.RESUMABLE_HEADER, "1");
      if (instance != null) {
        h.put(Protocol.CLIENT_INSTANCE_HEADER, instance);
      }
      h.putAll(extra);
      RawWebSocket ws = RawWebSocket.connect(port);
      ws.request("GET", Protocol.TUNNEL_PATH_PREFIX + "echo", h);
      return new Client(ws);
    }

    int status() {
      return ws.status();
    }

    JsonNode problem() throws IOException {
      return JSON.readTree(ws.body());
    }

    String sessionId() {
      for (String line : ws.head().split("\r\n")) {
        if (line.regionMatches(true, 0, Protocol.SESSION_HEADER + ":", 0, 14)) {
          return line.substring(14).trim();
        }
      }
      throw new AssertionError("no " + Protocol.SESSION_HEADER + " in " + ws.head());
    }

    /** Sends {@code text} as DATA and reads it back from the echo target. */
    void echo(String text) throws IOException {
      byte[] sent = text.getBytes(StandardCharsets.UTF_8);
      ws.data(sent);
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      while (got.size() < sent.length) {
        RawWebSocket.Frame f = ws.readFrame();
        assertThat(f).as("tunnel still open").isNotNull();
        assertThat(f.opcode()).as("no close: %s", f.closeReason()).isNotEqualTo(RawWebSocket.CLOSE);
        if (f.opcode() == RawWebSocket.BINARY && f.payload()[0] == FrameType.DATA.code()) {
          got.write(f.payload(), 1, f.payload().length - 1);
        }
      }
      assertThat(got.toByteArray()).isEqualTo(sent);
      received += sent.length;
    }

    /** What a crashed client does: its TCP connection goes, no close frame. */
    void crash() throws IOException {
      ws.close();
    }

    /** A polite end: a close frame, then the gateway's answer. */
    void closeNormally() throws IOException {
      ws.frame(RawWebSocket.CLOSE, true, true, new byte[] {0x03, (byte) 0xe8});
      ws.awaitClose();
      ws.close();
    }

    @Override
    public void close() throws IOException {
      ws.close();
    }
  }

  static double waiting(GatewayFixture.Running gw) {
    return gw.metric("ferry_sessions_waiting{proxy=\"echo\"}");
  }

  static void awaitWaiting(GatewayFixture.Running gw, int n) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(waiting(gw)).isEqualTo((double) n));
  }

  static List<String> endReasons(GatewayFixture.Running gw) {
    return gw.audit("session.end").stream().map(e -> e.path("reason").asText()).toList();
  }

  @Test
  @Timeout(120)
  @DisplayName("per-user cap 1: a crashed client's waiting session gives way to the same user")
  void sameUserReplacesOwnWaitingSession() throws Exception {
    try (CountingTcpTarget target = CountingTcpTarget.start()) {
      GatewayFixture.Running gw = gateway(target, limits(0, 1));
      Client crashed = Client.open(gw.port(), fx.token(ALICE));
      assertThat(crashed.status()).isEqualTo(101);
      String oldId = crashed.sessionId();
      crashed.echo("before the crash");
      crashed.crash();
      awaitWaiting(gw, 1);
      assertThat(gw.audit("session.end")).as("it waits, it has not ended").isEmpty();

      try (Client restarted = Client.open(gw.port(), fx.token(ALICE))) {
        assertThat(restarted.status()).as(restarted.ws.body()).isEqualTo(101);
        assertThat(restarted.sessionId()).isNotEqualTo(oldId);
        restarted.echo("after the restart");

        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(() -> assertThat(gw.audit("session.end")).hasSize(1));
        JsonNode end = gw.audit("session.end").get(0);
        assertThat(end.path("sessionId").asText()).isEqualTo(oldId);
        assertThat(end.path("reason").asText()).isEqualTo("superseded");
        assertThat(end.path("user").asText()).isEqualTo(ALICE);
        assertThat(end.path("bytesUp").asLong()).isEqualTo("before the crash".length());
        assertThat(waiting(gw)).isZero();
        // The old session's upstream connection is closed; the new one's stays.
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(() -> assertThat(target.openCount()).isEqualTo(1));
        assertThat(gw.metric("ferry_sessions_total{proxy=\"echo\",result=\"superseded\"}"))
            .isEqualTo(1.0);
        assertThat(gw.resumes("echo", "superseded")).isEqualTo(1L);

        // The owner's late resume learns why; anybody else gets the plain 404.
        try (Client late = Client.resume(gw.port(), fx.token(ALICE), oldId, crashed.received)) {
          assertThat(late.status()).isEqualTo(410);
          assertThat(late.problem().path("type").asText())
              .isEqualTo(TunnelError.SESSION_ENDED.problemType());
          assertThat(late.problem().path("detail").asText()).isEqualTo(SUPERSEDED_DETAIL);
        }
        try (Client bobs = Client.resume(gw.port(), fx.token(BOB), oldId, 0)) {
          assertThat(bobs.status()).isEqualTo(404);
          assertThat(bobs.problem().path("type").asText())
              .isEqualTo(TunnelError.SESSION_NOT_FOUND.problemType());
        }
        // The new tunnel was not disturbed, and still holds the user's one slot.
        restarted.echo("still here");
        try (Client third = Client.open(gw.port(), fx.token(ALICE))) {
          assertThat(third.status()).isEqualTo(429);
          assertThat(third.problem().path("detail").asText())
              .isEqualTo("limit reached: proxy echo allows at most 1 sessions per user");
        }
        restarted.closeNormally();
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(gw.audit("session.end")).hasSize(2));
      assertThat(gw.audit("session.start")).hasSize(2);
      assertThat(endReasons(gw)).containsExactly("superseded", "client-closed");
      assertThat(target.acceptedCount())
          .as("one upstream connection per admitted tunnel, none for refusals")
          .isEqualTo(2);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(gw.server().activeSessions()).isZero());
    }
  }

  @Test
  @Timeout(120)
  @DisplayName("eight restarts at once against one waiting session: exactly one is admitted")
  void parallelRestartsTakeOneSlot() throws Exception {
    try (CountingTcpTarget target = CountingTcpTarget.start()) {
      GatewayFixture.Running gw = gateway(target, limits(0, 1));
      Client crashed = Client.open(gw.port(), fx.token(ALICE));
      assertThat(crashed.status()).isEqualTo(101);
      crashed.echo("x");
      crashed.crash();
      awaitWaiting(gw, 1);

      int n = 8;
      List<String> tokens = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        tokens.add(fx.token(ALICE));
      }
      ExecutorService pool = Executors.newFixedThreadPool(n);
      List<Client> clients = new ArrayList<>();
      try {
        CyclicBarrier start = new CyclicBarrier(n);
        List<Future<Client>> opens = new ArrayList<>();
        for (String token : tokens) {
          opens.add(
              pool.submit(
                  () -> {
                    start.await(30, TimeUnit.SECONDS);
                    return Client.open(gw.port(), token);
                  }));
        }
        for (Future<Client> f : opens) {
          clients.add(f.get(60, TimeUnit.SECONDS));
        }
        List<Integer> statuses = clients.stream().map(Client::status).toList();
        assertThat(statuses).as("%s", statuses).containsOnly(101, 429);
        assertThat(statuses.stream().filter(st -> st == 101)).hasSize(1);
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(() -> assertThat(endReasons(gw)).containsExactly("superseded"));
        // The end record is written just before the session leaves the gateway's table.
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(() -> assertThat(gw.server().activeSessions()).isEqualTo(1));
        assertThat(target.acceptedCount()).isEqualTo(2);
        for (Client c : clients) {
          if (c.status() == 101) {
            c.echo("the one admitted works");
            c.closeNormally();
          }
        }
      } finally {
        for (Client c : clients) {
          c.close();
        }
        pool.shutdownNow();
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(gw.audit("session.end")).hasSize(2));
      assertThat(gw.audit("session.start")).hasSize(2);
      assertThat(gw.audit("session.denied")).hasSize(n - 1);
    }
  }

  @Test
  @Timeout(120)
  @DisplayName("per-proxy cap: another user's waiting session is never taken; its owner resumes it")
  void anotherUsersWaitingSessionStays() throws Exception {
    try (CountingTcpTarget target = CountingTcpTarget.start()) {
      GatewayFixture.Running gw = gateway(target, limits(1, 0));
      Client alice = Client.open(gw.port(), fx.token(ALICE));
      assertThat(alice.status()).isEqualTo(101);
      String aliceId = alice.sessionId();
      alice.echo("alice's bytes");
      alice.crash();
      awaitWaiting(gw, 1);

      try (Client bob = Client.open(gw.port(), fx.token(BOB))) {
        assertThat(bob.status()).isEqualTo(429);
        assertThat(bob.problem().path("type").asText())
            .isEqualTo(TunnelError.LIMIT_REACHED.problemType());
        assertThat(bob.problem().path("detail").asText())
            .isEqualTo("limit reached: proxy echo allows at most 1 concurrent sessions");
      }
      assertThat(target.acceptedCount()).as("no upstream connection for the refusal").isEqualTo(1);
      assertThat(gw.audit("session.end")).isEmpty();
      assertThat(waiting(gw)).isEqualTo(1.0);

      // Alice's session was kept whole: she resumes it and carries on.
      try (Client back = Client.resume(gw.port(), fx.token(ALICE), aliceId, alice.received)) {
        assertThat(back.status()).as(back.ws.body()).isEqualTo(101);
        assertThat(back.ws.head())
            .containsIgnoringCase(Protocol.RECEIVED_HEADER + ": " + "alice's bytes".length());
        back.received = alice.received;
        back.echo("and more");
        assertThat(waiting(gw)).isZero();
        back.closeNormally();
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(gw.audit("session.end")).hasSize(1));
      assertThat(endReasons(gw)).containsExactly("client-closed");
      assertThat(gw.audit("session.start")).hasSize(1);
      assertThat(gw.audit("session.denied"))
          .singleElement()
          .satisfies(d -> assertThat(d.path("user").asText()).isEqualTo(BOB));
      assertThat(target.acceptedCount()).isEqualTo(1);
    }
  }

  @Test
  @Timeout(120)
  @DisplayName("a live session of the same user is never taken: limit reached as before")
  void liveSessionOfSameUserStays() throws Exception {
    try (CountingTcpTarget target = CountingTcpTarget.start()) {
      GatewayFixture.Running gw = gateway(target, limits(0, 1));
      try (Client live = Client.open(gw.port(), fx.token(ALICE))) {
        assertThat(live.status()).isEqualTo(101);
        live.echo("live");
        try (Client second = Client.open(gw.port(), fx.token(ALICE))) {
          assertThat(second.status()).isEqualTo(429);
          assertThat(second.problem().path("detail").asText())
              .isEqualTo("limit reached: proxy echo allows at most 1 sessions per user");
        }
        live.echo("still live");
        assertThat(gw.audit("session.end")).isEmpty();
        assertThat(target.acceptedCount()).isEqualTo(1);

        // Resumed after a crash, it is live again and no longer to be taken either.
        String id = live.sessionId();
        live.crash();
        awaitWaiting(gw, 1);
        try (Client back = Client.resume(gw.port(), fx.token(ALICE), id, live.received)) {
          assertThat(back.status()).isEqualTo(101);
          back.received = live.received;
          back.echo("resumed");
          try (Client again = Client.open(gw.port(), fx.token(ALICE))) {
            assertThat(again.status()).isEqualTo(429);
          }
          back.echo("untouched");
          back.closeNormally();
        }
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(gw.audit("session.end")).hasSize(1));
      assertThat(endReasons(gw)).containsExactly("client-closed");
      assertThat(gw.metric("ferry_sessions_total{proxy=\"echo\",result=\"superseded\"}")).isZero();
      assertThat(target.acceptedCount()).isEqualTo(1);
      assertThat(gw.audit("session.denied")).hasSize(2);
    }
  }

  @Test
  @Timeout(120)
  @DisplayName("older clients send no instance id: a restarted one supersedes as before")
  void olderClientsWithoutInstance() throws Exception {
    try (CountingTcpTarget target = CountingTcpTarget.start()) {
      GatewayFixture.Running gw = gateway(target, limits(0, 1));
      Client crashed = Client.open(gw.port(), fx.token(ALICE), null);
      assertThat(crashed.status()).isEqualTo(101);
      String oldId = crashed.sessionId();
      crashed.echo("old client");
      crashed.crash();
      awaitWaiting(gw, 1);
      try (Client restarted = Client.open(gw.port(), fx.token(ALICE), null)) {
        assertThat(restarted.status()).as(restarted.ws.body()).isEqualTo(101);
        restarted.echo("restarted");
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(() -> assertThat(endReasons(gw)).containsExactly("superseded"));
        assertThat(gw.audit("session.end").get(0).path("sessionId").asText()).isEqualTo(oldId);
        assertThat(gw.audit("session.start"))
            .allSatisfy(st -> assertThat(st.has("clientInstance")).isFalse());
        restarted.closeNormally();
      }
    }
  }

  @Test
  @Timeout(120)
  @DisplayName("the waiting session's own client instance: refused with why; the resume carries on")
  void sameInstanceDoesNotSupersede() throws Exception {
    try (CountingTcpTarget target = CountingTcpTarget.start()) {
      GatewayFixture.Running gw = gateway(target, limits(0, 2));
      String instance = ClientInstance.newId();
      try (Client live = Client.open(gw.port(), fx.token(ALICE), instance)) {
        assertThat(live.status()).isEqualTo(101);
        live.echo("live");
        Client blinked = Client.open(gw.port(), fx.token(ALICE), instance);
        assertThat(blinked.status()).isEqualTo(101);
        String id = blinked.sessionId();
        blinked.echo("before the blip");
        blinked.crash();
        awaitWaiting(gw, 1);
        assertThat(gw.audit("session.start").get(1).path("clientInstance").asText())
            .isEqualTo(instance);

        try (Client extra = Client.open(gw.port(), fx.token(ALICE), instance)) {
          assertThat(extra.status()).isEqualTo(429);
          assertThat(extra.problem().path("type").asText())
              .isEqualTo(TunnelError.LIMIT_REACHED.problemType());
          assertThat(extra.problem().path("detail").asText())
              .isEqualTo(
                  "limit reached: proxy echo allows at most 2 sessions per user"
                      + " (alice@example.com has 2, 1 of them reconnecting from this client)");
        }
        assertThat(gw.audit("session.end")).isEmpty();
        assertThat(waiting(gw)).isEqualTo(1.0);

        // The resume comes back (from another instance even: the owner rule decides).
        try (Client back =
            Client.resume(
                gw.port(), fx.token(ALICE), id, blinked.received, ClientInstance.newId())) {
          assertThat(back.status()).as(back.ws.body()).isEqualTo(101);
          back.received = blinked.received;
          back.echo("after the blip");
          back.closeNormally();
        }
        live.echo("untouched");
        live.closeNormally();
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(gw.audit("session.end")).hasSize(2));
      assertThat(endReasons(gw)).containsOnly("client-closed");
      assertThat(gw.metric("ferry_sessions_total{proxy=\"echo\",result=\"superseded\"}")).isZero();
      assertThat(target.acceptedCount()).isEqualTo(2);
    }
  }
}
