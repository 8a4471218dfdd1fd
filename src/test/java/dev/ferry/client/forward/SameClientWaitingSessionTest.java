package dev.ferry.client.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.testkit.CountingTcpTarget;
import dev.ferry.testkit.CuttingProxy;
import dev.ferry.testkit.ForwarderEvents;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.LoopbackClient;
import dev.ferry.testkit.Streams;
import dev.ferry.tunnel.TunnelError;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A forwarder at its user's cap whose WebSocket blinks: while its session waits for the resume, the
 * application opens one more local connection, and that new tunnel reaches the gateway first (a
 * {@link CuttingProxy} lets new tunnels through and resets resumes until told otherwise). The new
 * tunnel comes from the same client instance as the waiting session, so it does not supersede it:
 * it is refused with the limit, saying why, and the waiting session resumes with every byte.
 * (Another client process of the same user does supersede it: SupersededResumeTest.)
 */
class SameClientWaitingSessionTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();

  private static final int PART = 1 << 20;

  @BeforeAll
  static void warmUp() throws Exception {
    fx.warmProvider();
  }

  /** What came back on a socket: its SHA-256 once it ended, and a running count meanwhile. */
  static CompletableFuture<byte[]> readAll(InputStream in, AtomicLong count) {
    return CompletableFuture.supplyAsync(
        () -> {
          MessageDigest md = Streams.sha256();
          byte[] buf = new byte[64 * 1024];
          try {
            int n;
            while ((n = in.read(buf)) >= 0) {
              md.update(buf, 0, n);
              count.addAndGet(n);
            }
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          return md.digest();
        });
  }

  @Test
  @Timeout(240)
  @DisplayName(
      "a blip at the cap: the same client's new connection is refused, its session resumes")
  void sameClientsNewTunnelDoesNotSupersede() throws Exception {
    try (CountingTcpTarget target = CountingTcpTarget.start()) {
      CutAtTheCap scene = CutAtTheCap.start(fx, target);
      GatewayFixture.Running gw = scene.gw();
      CuttingProxy cutter = scene.cutter();
      ForwarderEvents reports = scene.reports();
      Forwarder forwarder = scene.forwarder();

      Random random = new Random(42);
      byte[] before = new byte[PART];
      byte[] during = new byte[PART];
      random.nextBytes(before);
      random.nextBytes(during);
      MessageDigest sent = Streams.sha256();
      sent.update(before);
      sent.update(during);

      try (Socket app = LoopbackClient.connect(forwarder.port(), Duration.ofSeconds(120))) {
        AtomicLong echoed = new AtomicLong();
        CompletableFuture<byte[]> back = readAll(app.getInputStream(), echoed);
        OutputStream out = app.getOutputStream();
        out.write(before);
        out.flush();
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(() -> assertThat(echoed.get()).isEqualTo(PART));

        // The blip: the WebSocket is reset; the session waits for this forwarder's resume, which
        // does not get through yet.
        cutter.refuseResumes(true);
        assertThat(cutter.cut()).isEqualTo(1);
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () -> assertThat(gw.metric("ferry_sessions_waiting{proxy=\"echo\"}")).isOne());
        // The application notices nothing: it writes on (held until the resume) ...
        CompletableFuture<Void> writing =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    out.write(during);
                    out.flush();
                    app.shutdownOutput();
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                });
        // ... and opens one more connection, whose tunnel reaches the gateway before the resume.
        try (Socket extra = LoopbackClient.connect(forwarder.port(), Duration.ofSeconds(60))) {
          assertThat(extra.getInputStream().read()).as("refused: closed").isEqualTo(-1);
        }
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(() -> assertThat(reports.refused).hasSize(1));
        assertThat(reports.refusedErrors).containsExactly(TunnelError.LIMIT_REACHED);
        assertThat(reports.refused.get(0))
            .isEqualTo(
                "limit reached: proxy echo allows at most 1 sessions per user"
                    + " (alice@example.com has 1, 1 of them reconnecting from this client)");
        assertThat(gw.audit("session.end")).as("the waiting session was not taken").isEmpty();
        assertThat(gw.metric("ferry_sessions_waiting{proxy=\"echo\"}")).isOne();
        // The resume really was held back meanwhile (tunnel, extra, at least one resume).
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(() -> assertThat(cutter.accepted()).isGreaterThanOrEqualTo(3));

        cutter.refuseResumes(false);
        writing.get(120, TimeUnit.SECONDS);
        byte[] got = back.get(120, TimeUnit.SECONDS);
        assertThat(echoed.get()).isEqualTo(2L * PART);
        assertThat(got).as("SHA-256 of what came back").isEqualTo(sent.digest());
      }
      assertThat(forwarder.resumes()).isEqualTo(1);
      assertThat(reports.resumeFailed).isEmpty();
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(gw.audit("session.end")).hasSize(1));
      assertThat(gw.audit("session.start")).hasSize(1);
      assertThat(gw.audit("session.end").get(0).path("reason").asText()).isEqualTo("completed");
      assertThat(gw.audit("session.end").get(0).path("bytesUp").asLong()).isEqualTo(2L * PART);
      assertThat(gw.audit("session.denied"))
          .singleElement()
          .satisfies(
              d ->
                  assertThat(d.path("reason").asText())
                      .isEqualTo(
                          "limit-reached: limit reached: proxy echo allows at most 1 sessions per"
                              + " user (alice@example.com has 1, 1 of them reconnecting from this"
                              + " client)"));
      assertThat(gw.auditLines()).noneMatch(l -> l.contains("superseded"));
      assertThat(gw.resumes("echo", "ok")).isEqualTo(1L);
      assertThat(gw.resumes("echo", "superseded")).isZero();
      assertThat(target.acceptedCount()).as("no upstream connection for the refusal").isEqualTo(1);
    }
  }
}
