package dev.ferry.client.forward;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static dev.ferry.testkit.LoopbackClient.echo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.testkit.CountingTcpTarget;
import dev.ferry.testkit.CuttingProxy;
import dev.ferry.testkit.ForwarderEvents;
import dev.ferry.testkit.ForwarderEvents.Interrupted;
import dev.ferry.testkit.ForwarderEvents.Resumed;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.LoopbackClient;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a forwarder tells its listener and its snapshots while a dropped tunnel is resumed: a {@link
 * CuttingProxy} resets the WebSocket and keeps refusing reconnects until released.
 */
class ResumeEventsTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();

  @BeforeAll
  static void warmUpProvider() throws Exception {
    fx.warmProvider();
  }

  @Test
  @Timeout(120)
  @DisplayName("a cut held then released: interrupted, RESUMING meanwhile, then resumed, counted")
  void interruptedThenResumed() throws Exception {
    try (CountingTcpTarget target = CountingTcpTarget.start()) {
      GatewayFixture.Running gw =
          fx.gateway().proxy("echo", target.address(), GatewayFixture.relaxed()).start();
      CuttingProxy cutter = fx.closeAfter(CuttingProxy.start(gw.port()));
      ForwarderEvents rec = new ForwarderEvents();
      Forwarder f = fx.forwarder(fx.connectorVia(cutter), "echo", fx.tokens(fx.token(ALICE)), rec);
      try (Socket s = LoopbackClient.connect(f.port(), Duration.ofSeconds(60))) {
        echo(s, "before the cut");
        assertThat(f.connections())
            .singleElement()
            .extracting(ConnectionSnapshot::state)
            .isEqualTo(ConnectionSnapshot.State.OPEN);
        assertThat(f.stats().resumingConnections()).isZero();

        cutter.refuseNew(true);
        int acceptedBefore = cutter.accepted();
        assertThat(cutter.cut()).isEqualTo(1);
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(() -> assertThat(rec.resumeEvents).hasSize(1));
        Interrupted lost = (Interrupted) rec.resumeEvents.get(0);
        assertThat(lost.localPort()).isEqualTo(s.getLocalPort());
        assertThat(lost.why()).isNotBlank();
        // Held: at least one reconnect refused, the connection still waits for its tunnel.
        await().atMost(Duration.ofSeconds(30)).until(() -> cutter.accepted() > acceptedBefore);
        List<ConnectionSnapshot> held = f.connections();
        assertThat(held)
            .singleElement()
            .satisfies(
                snap -> {
                  assertThat(snap.state()).isEqualTo(ConnectionSnapshot.State.RESUMING);
                  assertThat(snap.resumes()).isZero();
                });
        assertThat(f.stats().resumingConnections()).isEqualTo(1);
        assertThat(rec.resumeEvents).as("still resuming: %s", rec).hasSize(1);

        cutter.refuseNew(false);
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(() -> assertThat(rec.resumeEvents).hasSize(2));
        Resumed back = (Resumed) rec.resumeEvents.get(1);
        assertThat(back.localPort()).isEqualTo(s.getLocalPort());
        assertThat(back.attempts()).as("one refused, one taken at least").isGreaterThanOrEqualTo(2);
        assertThat(back.outage()).isPositive();
        echo(s, "after the resume");
        assertThat(f.connections())
            .singleElement()
            .satisfies(
                snap -> {
                  assertThat(snap.state()).isEqualTo(ConnectionSnapshot.State.OPEN);
                  assertThat(snap.resumes()).isEqualTo(1);
                });
        assertThat(f.stats().resumingConnections()).isZero();
        assertThat(f.resumes()).isEqualTo(1);
      }
      assertThat(rec.resumeFailed).isEmpty();
      assertThat(target.acceptedCount()).as("one upstream connection throughout").isEqualTo(1);
    }
  }

  @Test
  @Timeout(120)
  @DisplayName("a resume that fails: interrupted, then resumeFailed, and nothing left resuming")
  void interruptedThenFailed() throws Exception {
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
      Forwarder f = fx.forwarder(fx.connectorVia(cutter), "echo", fx.tokens(fx.token(ALICE)), rec);
      try (Socket s = LoopbackClient.connect(f.port(), Duration.ofSeconds(60))) {
        echo(s, "before the cut");
        cutter.refuseNew(true);
        assertThat(cutter.cut()).isEqualTo(1);
        assertThat(s.getInputStream().read()).isEqualTo(-1);
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(rec.resumeFailed).hasSize(1));
      assertThat(rec.resumeEvents).singleElement().isInstanceOf(Interrupted.class);
      assertThat(f.stats().resumingConnections()).isZero();
    }
  }
}
