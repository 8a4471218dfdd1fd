package dev.ferry.client.forward;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.LoopbackClient;
import dev.ferry.testkit.Streams;
import dev.ferry.testkit.TcpTarget;
import dev.ferry.tunnel.relay.Relay;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Backpressure end to end (DESIGN §5): a side that stops reading stops the other side's writer
 * through client → forwarder → gateway → target, memory stays bounded meanwhile, and once the
 * stalled side reads again every byte arrives.
 *
 * <p>What a stalled writer managed to write is mostly in kernel socket buffers, three TCP hops of
 * them (client → forwarder, forwarder → gateway, gateway → target), and those are not ferry's. On
 * this machine (Debian 12, loopback) each sender's buffer autotunes up to {@code tcp_wmem} max = 4
 * MiB, while a receiver that stops reading stops growing its window: measured with {@code ss -tmi}
 * during a stall, each hop held 4.0–4.1 MiB in the send queue and 0.1–0.6 MiB in the receive queue;
 * a stall came after 14.1 MiB in total, of which ~1.3 MiB were in the two relays. {@link
 * #stallBound()} allows per hop the sender's maximum plus 4 MiB of receive buffer, plus both
 * relays' water marks with a read each, so it holds with margin on any Linux whose {@code tcp_wmem}
 * we read; a relay that buffered without bound would pass it by far, since each test moves {@link
 * #SIZE}.
 */
@Timeout(180)
class BackpressureTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();

  /** Bytes moved by each test; well above {@link #stallBound()} so that a stall proves itself. */
  static final long SIZE = 96L << 20;

  static final long MIB = 1L << 20;

  /** Netty's memory above what it held before the test, during the stall (measured: ~5 MiB). */
  static final long MEMORY_BOUND = 24 * MIB;

  /** The most a stalled writer may get written: kernel buffers of three hops plus both relays. */
  static long stallBound() {
    long perHop = sendBufferMax() + 4 * MIB;
    long relay = 2L * (Relay.WATER_MARK.high() + 64 * 1024);
    return 3 * perHop + 2 * relay;
  }

  /** {@code tcp_wmem} max: how far the kernel lets a socket's send buffer autotune. */
  static long sendBufferMax() {
    try {
      String[] wmem = Files.readString(Path.of("/proc/sys/net/ipv4/tcp_wmem")).trim().split("\\s+");
      return Long.parseLong(wmem[2]);
    } catch (IOException | RuntimeException e) {
      return 4 * MIB;
    }
  }

  /** Direct memory Netty's default allocator holds (relays of both ends run in this JVM). */
  static long nettyMemory() {
    var metric = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
    return metric.usedDirectMemory() + metric.usedHeapMemory();
  }

  /** Runs {@code body} on a daemon thread of its own (not a pool a blocked write could starve). */
  static CompletableFuture<Void> thread(String name, IoTask body) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                body.run();
                done.complete(null);
              } catch (Throwable e) {
                done.completeExceptionally(e);
              }
            },
            name);
    t.setDaemon(true);
    t.start();
    return done;
  }

  interface IoTask {
    void run() throws Exception;
  }

  static Socket connect(Forwarder f) throws IOException {
    return LoopbackClient.connect(f.port(), Duration.ofSeconds(60));
  }

  Forwarder forwarder(GatewayFixture.Running gw, String proxy) throws Exception {
    return fx.forwarder(gw.connector(), proxy, fx.tokens(fx.token(ALICE)), null);
  }

  /** The tunnel is open (so a stall below is backpressure, not a tunnel still being set up). */
  static void awaitOpen(GatewayFixture.Running gw) {
    await().atMost(Duration.ofSeconds(30)).until(() -> gw.audit("session.start").size() == 1);
  }

  @Test
  @DisplayName(
      "a target that does not read stops the client's writes; nothing is lost once it reads")
  void targetStopsReading() throws Exception {
    CountDownLatch reading = new CountDownLatch(1);
    TcpTarget target = fx.target(TcpTarget.after(reading, TcpTarget.digestAfterEof()));
    GatewayFixture.Running gw = fx.gateway().proxy("slow", target).start();
    Forwarder f = forwarder(gw, "slow");
    long memoryBefore = nettyMemory();
    try (Socket s = connect(f)) {
      awaitOpen(gw);
      AtomicLong written = new AtomicLong();
      CompletableFuture<Void> writer =
          thread(
              "client-writer",
              () -> {
                Streams.writePattern(Streams.counting(s.getOutputStream(), written), SIZE);
                s.shutdownOutput();
              });
      try {
        long stalled = Streams.awaitStall(written);
        long memory = nettyMemory() - memoryBefore;
        System.out.printf(
            "target not reading: client stalled after %.1f MiB (bound %.1f MiB), Netty memory +%.1f MiB%n",
            stalled / (double) MIB, stallBound() / (double) MIB, memory / (double) MIB);
        assertThat(writer).isNotDone();
        assertThat(stalled).isLessThan(stallBound());
        assertThat(memory).isLessThan(MEMORY_BOUND);
        assertThat(target.received()).isZero();
      } finally {
        reading.countDown();
      }
      byte[] reply = s.getInputStream().readAllBytes();
      writer.get(60, TimeUnit.SECONDS);
      TcpTarget.assertDigestReply(reply, SIZE);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.audit("session.end").size() == 1);
    assertThat(gw.audit("session.end").get(0).path("bytesUp").asLong()).isEqualTo(SIZE);
    assertThat(f.stats().bytesUp()).isEqualTo(SIZE);
  }

  @Test
  @DisplayName("a client that does not read stops a flooding target; nothing is lost once it reads")
  void clientStopsReading() throws Exception {
    AtomicLong sent = new AtomicLong();
    TcpTarget target =
        fx.target(
            (s, t) -> {
              // flood(), but counted and finite so the client can check every byte.
              Streams.writePattern(Streams.counting(s.getOutputStream(), sent), SIZE);
              s.shutdownOutput();
              s.getInputStream().readAllBytes();
            });
    GatewayFixture.Running gw = fx.gateway().proxy("flood", target).start();
    Forwarder f = forwarder(gw, "flood");
    long memoryBefore = nettyMemory();
    try (Socket s = connect(f)) {
      awaitOpen(gw);
      long stalled = Streams.awaitStall(sent);
      long memory = nettyMemory() - memoryBefore;
      System.out.printf(
          "client not reading: target stalled after %.1f MiB (bound %.1f MiB), Netty memory +%.1f MiB%n",
          stalled / (double) MIB, stallBound() / (double) MIB, memory / (double) MIB);
      assertThat(stalled).isLessThan(stallBound());
      assertThat(memory).isLessThan(MEMORY_BOUND);

      s.shutdownOutput();
      long[] count = new long[1];
      byte[] digest = Streams.digest(s.getInputStream(), count);
      assertThat(count[0]).isEqualTo(SIZE);
      assertThat(digest).as("SHA-256 the client received").isEqualTo(Streams.patternDigest(SIZE));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.audit("session.end").size() == 1);
    assertThat(gw.audit("session.end").get(0).path("bytesDown").asLong()).isEqualTo(SIZE);
    assertThat(gw.audit("session.end").get(0).path("reason").asText()).isEqualTo("completed");
  }
}
