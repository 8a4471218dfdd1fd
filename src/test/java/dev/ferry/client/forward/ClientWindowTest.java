package dev.ferry.client.forward;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.Streams;
import dev.ferry.testkit.TcpTarget;
import dev.ferry.tunnel.Protocol;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The flow-control window on the client's side: while the local application reads nothing, the
 * forwarder keeps reading its WebSocket (so NOTICEs and TOKEN_ACCEPTED are not stuck behind DATA)
 * and what waits for the application never exceeds the window plus one DATA frame, because the
 * gateway keeps to the window.
 */
@Timeout(180)
class ClientWindowTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();

  static final long LIMIT = Protocol.FLOW_WINDOW_BYTES + Protocol.MAX_DATA_PAYLOAD;

  @Test
  @DisplayName("an application that stops reading: at most the window waits in the forwarder")
  void stalledApplicationHoldsAtMostTheWindow() throws Exception {
    long size = 48L << 20;
    AtomicLong sent = new AtomicLong();
    TcpTarget target =
        fx.target(
            (s, t) -> {
              Streams.writePattern(Streams.counting(s.getOutputStream(), sent), size);
              s.shutdownOutput();
              s.getInputStream().readAllBytes();
            });
    GatewayFixture.Running gw = fx.gateway().proxy("flood", target).start();
    Forwarder f =
        fx.closeAfter(
            new Forwarder(
                gw.connector(), "flood", fx.tokens(fx.token(ALICE)), "127.0.0.1", 0, null));
    f.start();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", f.port()), 5000);
      s.setSoTimeout(60_000);
      // The application reads nothing until the target's writes are held back.
      Streams.awaitStall(sent);
      System.out.printf(
          "application not reading: target held at %.1f MiB, %.2f MiB waited in the forwarder%n",
          sent.get() / (double) (1 << 20), f.pendingPeak() / (double) (1 << 20));
      assertThat(sent.get()).isLessThan(size);
      assertThat(f.pendingPeak())
          .as("the forwarder kept reading while the application was blocked")
          .isPositive()
          .isLessThanOrEqualTo(LIMIT);
      s.shutdownOutput();
      long[] count = new long[1];
      byte[] digest = Streams.digest(s.getInputStream(), count);
      assertThat(count[0]).isEqualTo(size);
      assertThat(digest).isEqualTo(Streams.patternDigest(size));
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> gw.audit("session.end").size() == 1);
    assertThat(gw.audit("session.end").get(0).path("reason").asText()).isEqualTo("completed");
  }
}
