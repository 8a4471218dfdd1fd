package dev.ferry.client.forward;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static dev.ferry.testkit.GatewayFixture.BOB;
import static dev.ferry.testkit.LoopbackClient.echo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.client.tunnel.TunnelConnector;
import dev.ferry.client.tunnel.TunnelRefusedException;
import dev.ferry.gateway.config.AccessRule;
import dev.ferry.gateway.config.Limits;
import dev.ferry.testkit.CountingTcpTarget;
import dev.ferry.testkit.CuttingProxy;
import dev.ferry.testkit.ForwarderEvents;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.LoopbackClient;
import dev.ferry.testkit.Streams;
import dev.ferry.testkit.TcpTarget;
import dev.ferry.tunnel.TunnelError;
import dev.ferry.tunnel.relay.Relay;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tunnels that survive a dropped WebSocket: a {@link CuttingProxy} between forwarder and gateway
 * resets the connection (both sides) and the application's TCP connection never notices.
 */
class ResumeTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();

  /**
   * The in-process provider's first answers can take longer than the gateway's 5 s discovery
   * timeout on a loaded machine (seen here: the first test of this class refused as "issuer
   * unavailable"); ask it once, patiently, before any gateway does.
   */
  @BeforeAll
  static void warmUpProvider() throws Exception {
    fx.warmProvider();
  }

  /** A forwarder whose tunnels run through {@code proxy} to {@code gw}. */
  static Forwarder forwarder(CuttingProxy proxy, String name, ForwarderEvents rec, String token)
      throws Exception {
    TunnelConnector c = fx.connectorVia(proxy);
    return fx.forwarder(c, name, fx.tokens(token), rec);
  }

  static Socket connect(Forwarder f) throws IOException {
    return LoopbackClient.connect(f.port(), Duration.ofSeconds(120));
  }

  /**
   * Sends {@code size} pattern bytes each way through a fresh tunnel (target: {@link
   * TcpTarget#sourceAndDigest}) while the proxy cuts the WebSocket {@code cuts} times, spread over
   * the transfer, each after the previous cut was resumed. Checks both directions by SHA-256, one
   * audited session and the resume counts.
   */
  static void transferWithCuts(long size, int cuts) throws Exception {
    TcpTarget target = fx.target(TcpTarget.sourceAndDigest(size));
    GatewayFixture.Running gw = fx.gateway().proxy("bulk", target).start();
    CuttingProxy cutter = fx.closeAfter(CuttingProxy.start(gw.port()));
    ForwarderEvents rec = new ForwarderEvents();
    Forwarder f = forwarder(cutter, "bulk", rec, fx.token(ALICE));
    AtomicBoolean done = new AtomicBoolean();
    try (Socket s = connect(f)) {
      CompletableFuture<Void> writer = Streams.writePatternThenShutdown(s, size);
      CompletableFuture<Integer> cutting =
          CompletableFuture.supplyAsync(
              () -> {
                int made = 0;
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
                while (made < cuts && !done.get() && System.nanoTime() < deadline) {
                  ForwarderStats st = f.stats();
                  long progress = st.bytesUp() + st.bytesDown();
                  boolean due = progress >= (made + 1) * 2 * size / (cuts + 2);
                  if (due && f.resumes() == made && cutter.cut() > 0) {
                    made++;
                  } else {
                    sleep(2);
                  }
                }
                return made;
              });
      InputStream in = s.getInputStream();
      byte[] received = Streams.digestExactly(in, size, () -> "forwarder: " + rec);
      byte[] targetDigest = in.readAllBytes();
      done.set(true);
      writer.get(60, TimeUnit.SECONDS);
      int made = cutting.get(60, TimeUnit.SECONDS);
      TcpTarget.assertPatternBothWays(received, targetDigest, size);
      assertThat(made).as("cuts made").isEqualTo(cuts);
      System.out.printf(
          "resume: %d MiB each way, %d cuts, %d resumes, 0 SHA-256 mismatches%n",
          size >> 20, made, f.resumes());
    }
    assertThat(f.resumes()).isEqualTo(cuts);
    assertThat(rec.resumeFailed).isEmpty();
    JsonNode end = gw.awaitOnlySessionEnd(Duration.ofSeconds(30));
    assertThat(end.path("reason").asText()).isEqualTo("completed");
    assertThat(end.path("bytesUp").asLong()).isEqualTo(size);
    assertThat(end.path("bytesDown").asLong()).as("pattern and digest").isEqualTo(size + 32);
    assertThat(gw.resumes("bulk", "ok")).isEqualTo(cuts);
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  @Timeout(600)
  @DisplayName("64 MiB each way, the WebSocket cut 5 times: every byte arrives, one session")
  void survivesCuts() throws Exception {
    transferWithCuts(
        Long.getLong("ferry.resume.bytes", 64L << 20), Integer.getInteger("ferry.resume.cuts", 5));
  }

  @Test
  @Timeout(120)
  @DisplayName("no resume within the window: upstream closed, resume-timeout audited, client told")
  void resumeTimeout() throws Exception {
    try (CountingTcpTarget target = CountingTcpTarget.start()) {
      GatewayFixture.Running gw =
          fx.gateway()
              .proxy(
                  "echo",
                  target.address(),
                  GatewayFixture.relaxed().withResumeWindow(Duration.ofSeconds(2)))
              .start();
      CuttingProxy cutter = fx.closeAfter(CuttingProxy.start(gw.port()));
      ForwarderEvents rec = new ForwarderEvents();
      Forwarder f = forwarder(cutter, "echo", rec, fx.token(ALICE));
      try (Socket s = connect(f)) {
        echo(s, "before the cut");
        assertThat(target.openCount()).isEqualTo(1);
        cutter.refuseNew(true);
        assertThat(cutter.cut()).isEqualTo(1);
        // The forwarder closes the local connection once the window is over.
        assertThat(s.getInputStream().read()).isEqualTo(-1);
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(gw.audit("session.end")).hasSize(1));
      assertThat(gw.audit("session.end").get(0).path("reason").asText())
          .as("audit: %s", gw.auditLines())
          .isEqualTo("resume-timeout");
      await().atMost(Duration.ofSeconds(10)).until(() -> target.openCount() == 0);
      assertThat(gw.resumes("echo", "timeout")).isEqualTo(1);
      assertThat(rec.resumeFailed).hasSize(1);
      assertThat(rec.resumeFailed.get(0)).contains("could not resume the tunnel to echo within 2s");
      assertThat(cutter.accepted()).as("reconnect attempts were made").isGreaterThan(1);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(rec.reasons).hasSize(1));
      assertThat(rec.refused).isEmpty();
      assertThat(rec.reasons.get(0)).contains("resume-timeout");
    }
  }

  @Test
  @Timeout(60)
  @DisplayName("another user cannot resume someone else's session; the session carries on")
  void anotherUserCannotResume() throws Exception {
    try (CountingTcpTarget target = CountingTcpTarget.start()) {
      GatewayFixture.Running gw =
          fx.gateway()
              .proxy(
                  "echo",
                  target.address(),
                  GatewayFixture.relaxed(),
                  new AccessRule(Set.of(ALICE, BOB), Set.of()))
              .start();
      ForwarderEvents rec = new ForwarderEvents();
      Forwarder f = fx.forwarder(gw.connector(), "echo", fx.tokens(fx.token(ALICE)), rec);
      try (Socket s = connect(f)) {
        echo(s, "alice's bytes");
        String sessionId = gw.audit("session.start").get(0).path("sessionId").asText();
        TunnelConnector c = gw.connector();
        assertThatThrownBy(
                () -> c.resume("echo", fx.token(BOB), c.group().next(), sessionId, 0).get())
            .isInstanceOf(ExecutionException.class)
            .cause()
            .isInstanceOfSatisfying(
                TunnelRefusedException.class,
                e -> {
                  assertThat(e.error()).isEqualTo(TunnelError.SESSION_NOT_FOUND);
                  assertThat(e.detail()).contains("is unknown, has ended or is not yours");
                });
        assertThatThrownBy(
                () -> c.resume("echo", fx.token(ALICE), c.group().next(), "no-such-id", 0).get())
            .cause()
            .isInstanceOfSatisfying(
                TunnelRefusedException.class,
                e -> assertThat(e.error()).isEqualTo(TunnelError.SESSION_NOT_FOUND));
        echo(s, "still alice's session");
      }
      List<JsonNode> denied = gw.audit("session.denied");
      assertThat(denied).hasSize(2);
      assertThat(denied.get(0).path("user").asText()).isEqualTo(BOB);
      assertThat(denied.get(0).path("reason").asText())
          .startsWith("session-not-found: resume of ")
          .endsWith("refused: session of another user");
      assertThat(denied.get(1).path("reason").asText()).endsWith("unknown or ended session");
      assertThat(gw.resumes("echo", "refused")).isEqualTo(2);
      assertThat(f.resumes()).isZero();
      assertThat(target.acceptedCount()).isEqualTo(1);
    }
  }

  @Test
  @Timeout(60)
  @DisplayName("a close frame with a reason ends the tunnel without a resume attempt")
  void closeFrameIsFinal() throws Exception {
    try (CountingTcpTarget target = CountingTcpTarget.start()) {
      Limits quick =
          new Limits(
              0, 0, Duration.ofSeconds(1), Duration.ofHours(1), Duration.ofSeconds(5), false);
      GatewayFixture.Running gw = fx.gateway().proxy("echo", target.address(), quick).start();
      CuttingProxy cutter = fx.closeAfter(CuttingProxy.start(gw.port()));
      ForwarderEvents rec = new ForwarderEvents();
      Forwarder f = forwarder(cutter, "echo", rec, fx.token(ALICE));
      try (Socket s = connect(f)) {
        echo(s, "then silence");
        assertThat(s.getInputStream().read()).as("closed for idleness").isEqualTo(-1);
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(rec.reasons).hasSize(1));
      assertThat(rec.refused).isEmpty();
      assertThat(rec.reasons.get(0)).contains("idle-timeout");
      assertThat(f.resumes()).isZero();
      assertThat(cutter.accepted()).as("no reconnect").isEqualTo(1);
      assertThat(gw.audit("session.end").get(0).path("reason").asText()).isEqualTo("idle-timeout");
    }
  }

  @Test
  @Timeout(120)
  @DisplayName("no ACKs come back: the replay buffer stops at its cap and the sender waits")
  void replayBufferIsBounded() throws Exception {
    // Far more than the cap plus what socket buffers hold, so the writer must block.
    long size = 8L * Relay.REPLAY_CAP;
    TcpTarget target = fx.target(TcpTarget.digestAfterEof());
    GatewayFixture.Running gw = fx.gateway().proxy("digest", target).start();
    CuttingProxy cutter = fx.closeAfter(CuttingProxy.start(gw.port()));
    ForwarderEvents rec = new ForwarderEvents();
    Forwarder f = forwarder(cutter, "digest", rec, fx.token(ALICE));
    try (Socket s = connect(f)) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  f.connections().stream()
                      .anyMatch(c -> c.state() == ConnectionSnapshot.State.OPEN));
      // ACKs (gateway → client) stop; DATA (client → gateway → target) still flows.
      cutter.pauseDown(true);
      CompletableFuture<Void> writer = Streams.writePatternThenShutdown(s, size);
      long bound = Relay.REPLAY_CAP + 64 * 1024;
      await().atMost(Duration.ofSeconds(60)).until(() -> f.replayPeak() >= Relay.REPLAY_CAP);
      Thread.sleep(500); // a sender that ignored the cap would race on meanwhile
      assertThat(f.replayPeak()).isLessThanOrEqualTo(bound);
      assertThat(f.stats().bytesUp())
          .as("read from the app while unacknowledged")
          .isLessThanOrEqualTo(bound);
      assertThat(writer).isNotDone();
      cutter.pauseDown(false);
      writer.get(60, TimeUnit.SECONDS);
      TcpTarget.assertDigestReply(s.getInputStream().readAllBytes(), size);
    }
    assertThat(f.resumes()).isZero();
  }
}
