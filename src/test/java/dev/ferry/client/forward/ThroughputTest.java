package dev.ferry.client.forward;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testkit.ForwarderEvents;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.LoopbackClient;
import dev.ferry.testkit.Streams;
import dev.ferry.testkit.TcpTarget;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** 1 GiB each way through one tunnel, checked by SHA-256, and the same over a bare socket. */
class ThroughputTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();

  /**
   * 1 GiB each way; paranoid leak detection (the surefire default) records every buffer's accesses
   * and makes that take many minutes on two shared cores, so under it the default is 64 MiB. Run
   * with -Dio.netty.leakDetection.level=disabled for the full GiB (or set ferry.throughput.bytes).
   */
  static final long SIZE =
      Long.getLong(
          "ferry.throughput.bytes",
          "paranoid".equalsIgnoreCase(System.getProperty("io.netty.leakDetection.level"))
              ? 64L << 20
              : 1L << 30);

  /** Sends SIZE pattern bytes and half-closes while reading SIZE bytes + the target's digest. */
  static final ForwarderEvents events = new ForwarderEvents();

  static GatewayFixture.Running current;

  static double transfer(int port) throws Exception {
    try (Socket s = LoopbackClient.connect(port, Duration.ofSeconds(60))) {
      long start = System.nanoTime();
      CompletableFuture<Void> writer = Streams.writePatternThenShutdown(s, SIZE);
      InputStream in = s.getInputStream();
      byte[] received = Streams.digestExactly(in, SIZE, ThroughputTest::whyItEnded);
      byte[] targetDigest = in.readAllBytes();
      writer.get(60, TimeUnit.SECONDS);
      double seconds = (System.nanoTime() - start) / 1e9;
      TcpTarget.assertPatternBothWays(received, targetDigest, SIZE);
      return SIZE / (1024.0 * 1024.0) / seconds;
    }
  }

  /** What the forwarder and gateway said, after a moment for them to say it. */
  static String whyItEnded() {
    try {
      Thread.sleep(500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return "forwarder: " + events + "; audit: " + (current == null ? "" : current.auditLines());
  }

  @Test
  @Timeout(300)
  @DisplayName("1 GiB each way through forwarder → gateway → target, SHA-256 equal both ways")
  void oneGibEachWay() throws Exception {
    TcpTarget target = fx.target(TcpTarget.sourceAndDigest(SIZE));
    GatewayFixture.Running gw = fx.gateway().proxy("bulk", target).start();
    current = gw;
    Forwarder f = fx.forwarder(gw.connector(), "bulk", fx.tokens(fx.token(ALICE)), events);
    double tunnel = transfer(f.port());

    current = null;
    TcpTarget direct = fx.target(TcpTarget.sourceAndDigest(SIZE));
    double raw = transfer(direct.port());
    System.out.printf(
        "throughput, %d MiB each way at once: tunnel %.0f MiB/s per direction, raw loopback %.0f MiB/s%n",
        SIZE >> 20, tunnel, raw);
    assertThat(f.stats().bytesUp()).isEqualTo(SIZE);
  }
}
