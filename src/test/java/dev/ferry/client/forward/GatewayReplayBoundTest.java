package dev.ferry.client.forward;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.gateway.session.TunnelSession;
import dev.ferry.testkit.CuttingProxy;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.Streams;
import dev.ferry.testkit.TcpTarget;
import dev.ferry.tunnel.Protocol;
import dev.ferry.tunnel.relay.Relay;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The gateway's replay buffer (the same {@link Relay} as the client's, see {@link
 * ResumeTest#replayBufferIsBounded}) never holds more than {@link Relay#REPLAY_CAP} plus one DATA
 * frame, while the client acknowledges nothing and while it is cut off; the resume afterwards still
 * delivers every byte.
 */
@Timeout(180)
class GatewayReplayBoundTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();

  static final long BOUND = Relay.REPLAY_CAP + Protocol.MAX_DATA_PAYLOAD;

  /**
   * What this proves: with nothing from the gateway reaching the client (so no DATA arrives there
   * and the client acknowledges nothing), the gateway fills its replay buffer to the cap and stops
   * reading the target; cut off from the client for two seconds on top, it still holds no more;
   * after the resume the client receives all of the target's bytes in order (SHA-256).
   */
  @Test
  @DisplayName(
      "no ACKs reach the gateway, then a held cut: its replay buffer stays ≤ cap + one frame")
  void gatewayReplayIsBounded() throws Exception {
    long size = 8L * Relay.REPLAY_CAP;
    AtomicLong targetWrote = new AtomicLong();
    TcpTarget target =
        fx.target(
            (s, t) -> {
              Streams.writePattern(Streams.counting(s.getOutputStream(), targetWrote), size);
              s.shutdownOutput();
              s.getInputStream().readAllBytes();
            });
    GatewayFixture.Running gw = fx.gateway().proxy("source", target).start();
    CuttingProxy cutter = fx.closeAfter(CuttingProxy.start(gw.port()));
    Forwarder f = fx.forwarder(fx.connectorVia(cutter), "source", fx.tokens(fx.token(ALICE)), null);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", f.port()), 5000);
      s.setSoTimeout(60_000);
      s.shutdownOutput();
      await().atMost(Duration.ofSeconds(20)).until(() -> gw.server().sessions().size() == 1);
      TunnelSession session = gw.server().sessions().iterator().next();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  f.connections().stream()
                      .anyMatch(x -> x.state() == ConnectionSnapshot.State.OPEN));
      // From now on nothing from the gateway reaches the client, which so acknowledges nothing.
      cutter.pauseDown(true);
      await().atMost(Duration.ofSeconds(60)).until(() -> session.replayPeak() >= Relay.REPLAY_CAP);
      Thread.sleep(500); // a gateway that ignored the cap would race on meanwhile
      assertThat(session.replayPeak()).isLessThanOrEqualTo(BOUND);
      long stalledAt = targetWrote.get();
      assertThat(stalledAt).as("the target's writes are held back").isLessThan(size);

      // Cut, and keep the client out for a while: the gateway holds the session, detached.
      cutter.refuseNew(true);
      assertThat(cutter.cut()).isEqualTo(1);
      Thread.sleep(2000);
      assertThat(session.replayPeak()).isLessThanOrEqualTo(BOUND);
      System.out.printf(
          "gateway replay peak %.2f MiB (bound %.2f), target held at %.1f MiB of %d%n",
          session.replayPeak() / (double) (1 << 20),
          BOUND / (double) (1 << 20),
          stalledAt / (double) (1 << 20),
          size >> 20);

      cutter.pauseDown(false);
      cutter.refuseNew(false);
      MessageDigest md = Streams.sha256();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[256 * 1024];
      long total = 0;
      int n;
      while ((n = in.read(buf)) >= 0) {
        md.update(buf, 0, n);
        total += n;
      }
      assertThat(total).isEqualTo(size);
      assertThat(md.digest()).isEqualTo(Streams.patternDigest(size));
    }
    assertThat(f.resumes()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(20)).until(() -> gw.audit("session.end").size() == 1);
    JsonNode end = gw.audit("session.end").get(0);
    assertThat(end.path("reason").asText()).isEqualTo("completed");
    assertThat(end.path("bytesDown").asLong()).isEqualTo(size);
    assertThat(gw.audit("session.start")).hasSize(1);
  }
}
