package dev.ferry.client.forward;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static dev.ferry.testkit.LoopbackClient.echo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.tunnel.ClientInstance;
import dev.ferry.client.tunnel.TunnelConnector;
import dev.ferry.testkit.CountingTcpTarget;
import dev.ferry.testkit.CuttingProxy;
import dev.ferry.testkit.ForwarderEvents;
import dev.ferry.testkit.GatewayFixture;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real client's side of superseding: a forwarder whose WebSocket is held cut (a {@link
 * CuttingProxy}) while the same user opens a new tunnel from another client process at the per-user
 * cap. When its path comes back, its resume is told that the session was superseded, and it stops
 * trying with that reason.
 */
class SupersededResumeTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();

  @BeforeAll
  static void warmUp() throws Exception {
    fx.warmProvider();
  }

  @Test
  @Timeout(180)
  @DisplayName("the cut forwarder's resume learns its session was superseded and stops")
  void cutForwarderLearnsItWasSuperseded() throws Exception {
    try (CountingTcpTarget target = CountingTcpTarget.start()) {
      CutAtTheCap scene = CutAtTheCap.start(fx, target);
      GatewayFixture.Running gw = scene.gw();
      CuttingProxy cutter = scene.cutter();
      ForwarderEvents reports = scene.reports();
      Forwarder forwarder = scene.forwarder();
      try (Socket app = new Socket()) {
        app.connect(new InetSocketAddress("127.0.0.1", forwarder.port()), 5000);
        app.setSoTimeout(120_000);
        echo(app, "hello");
        String oldId = gw.audit("session.start").get(0).path("sessionId").asText();

        cutter.refuseNew(true);
        assertThat(cutter.cut()).isEqualTo(1);
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () ->
                    assertThat(gw.metrics())
                        .contains("ferry_sessions_waiting{proxy=\"echo\"} 1.0"));

        // The same user from another client process (a restarted `ferry connect`: another client
        // instance), on another path, at the cap of one session: admitted. The cut forwarder's own
        // new tunnels would not be (SameClientWaitingSessionTest).
        TunnelConnector restarted = gw.connector(null);
        restarted.clientInstance(ClientInstance.newId());
        Forwarder second =
            fx.forwarder(restarted, "echo", fx.tokens(fx.token(ALICE)), new ForwarderEvents());
        Socket fresh = fx.closeAfter(new Socket());
        fresh.connect(new InetSocketAddress("127.0.0.1", second.port()), 5000);
        fresh.setSoTimeout(120_000);
        echo(fresh, "after the restart");
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(() -> assertThat(gw.audit("session.end")).hasSize(1));
        assertThat(gw.audit("session.end").get(0).path("sessionId").asText()).isEqualTo(oldId);
        assertThat(gw.audit("session.end").get(0).path("reason").asText()).isEqualTo("superseded");

        cutter.refuseNew(false);
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(() -> assertThat(reports.resumeFailed).hasSize(1));
        assertThat(reports.resumeFailed.get(0))
            .isEqualTo(
                "could not resume the tunnel to echo: the session ended: superseded"
                    + " (replaced by a new tunnel of the same user while waiting for a resume)");
        assertThat(app.getInputStream().read()).as("local connection closed").isEqualTo(-1);
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(() -> assertThat(reports.reasons).hasSize(1));
        assertThat(reports.refused).as("no local connection refused").isEmpty();
        assertThat(reports.reasons.get(0)).startsWith("session-ended: ").contains("superseded");
        assertThat(forwarder.resumes()).isZero();
        assertThat(gw.audit("session.denied"))
            .singleElement()
            .satisfies(
                d ->
                    assertThat(d.path("reason").asText())
                        .isEqualTo(
                            "session-ended: resume of "
                                + oldId
                                + " refused: the session ended: superseded (replaced by a new"
                                + " tunnel of the same user while waiting for a resume)"));
        echo(fresh, "still here");
        fresh.close();
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(gw.audit("session.end")).hasSize(2));
      assertThat(gw.audit("session.start")).hasSize(2);
      assertThat(target.acceptedCount()).isEqualTo(2);
    }
  }
}
