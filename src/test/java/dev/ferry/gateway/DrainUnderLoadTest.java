package dev.ferry.gateway;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.client.forward.Forwarder;
import dev.ferry.testkit.ForwarderEvents;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.TcpTarget;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Draining with busy tunnels (SessionLifecycleTest covers one idle tunnel, GatewayCommandTest the
 * process and SIGTERM): every client is told, every tunnel ends with {@code draining} on the client
 * and in a {@code session.end} record, and the stop returns within the 8 s contract.
 */
@Timeout(120)
class DrainUnderLoadTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  static final int TUNNELS = 20;

  @Test
  @DisplayName(
      "20 tunnels moving bytes at SIGTERM time: NOTICE to each, 20 session.end draining,"
          + " stop within 8 s")
  void drainBusyTunnels() throws Exception {
    TcpTarget echo = fx.target(TcpTarget.echo());
    GatewayFixture.Running gw = fx.gateway().proxy("echo", echo).start();
    ForwarderEvents events = new ForwarderEvents();
    Forwarder f = fx.forwarder(gw.connector(), "echo", fx.tokens(fx.token(ALICE)), events);
    AtomicLong echoed = new AtomicLong();
    List<Socket> sockets = new ArrayList<>();
    for (int i = 0; i < TUNNELS; i++) {
      Socket s = fx.closeAfter(new Socket("127.0.0.1", f.port()));
      sockets.add(s);
      pump(s, echoed);
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> gw.audit("session.start").size() == TUNNELS);
    long before = echoed.get();
    await().atMost(Duration.ofSeconds(30)).until(() -> echoed.get() > before + TUNNELS * 4096L);

    long t0 = System.nanoTime();
    gw.server().stop(GatewayServer.DEFAULT_STOP_DEADLINE);
    long stopped = System.nanoTime() - t0;
    gw.server().awaitTermination();
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    System.out.println(
        "drain of "
            + TUNNELS
            + " busy tunnels took "
            + took.toMillis()
            + " ms (stop returned after "
            + stopped / 1_000_000
            + " ms)");
    assertThat(took).as("stop, contract < 8 s").isLessThan(Duration.ofSeconds(8));

    List<JsonNode> ends = gw.audit("session.end");
    assertThat(ends).hasSize(TUNNELS);
    assertThat(ends).allSatisfy(e -> assertThat(e.path("reason").asText()).isEqualTo("draining"));
    assertThat(ends).allSatisfy(e -> assertThat(e.path("bytesUp").asLong()).isPositive());
    await().atMost(Duration.ofSeconds(30)).until(() -> events.reasons.size() == TUNNELS);
    assertThat(events.reasons).allSatisfy(r -> assertThat(r).startsWith("draining"));
    assertThat(events.notices.stream().filter(n -> n.contains("shutting down")).count())
        .isGreaterThanOrEqualTo(TUNNELS);
  }

  /** Writes and reads back continuously on a daemon thread until the socket ends. */
  static void pump(Socket s, AtomicLong echoed) {
    Thread writer =
        new Thread(
            () -> {
              // Modest per tunnel: the suite runs with paranoid leak detection, which makes the
              // gateway's frame decoding many times slower than in production.
              byte[] chunk = new byte[1024];
              try {
                OutputStream out = s.getOutputStream();
                while (!s.isClosed()) {
                  out.write(chunk);
                  Thread.sleep(20);
                }
              } catch (IOException | InterruptedException e) {
                // the tunnel ended
              }
            },
            "pump-out");
    Thread reader =
        new Thread(
            () -> {
              byte[] buf = new byte[16384];
              try {
                InputStream in = s.getInputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                  echoed.addAndGet(n);
                }
              } catch (IOException e) {
                // the tunnel ended
              }
            },
            "pump-in");
    writer.setDaemon(true);
    reader.setDaemon(true);
    writer.start();
    reader.start();
  }
}
