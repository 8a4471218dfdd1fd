package dev.ferry.gateway.server;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.forward.Forwarder;
import dev.ferry.gateway.session.TunnelSession;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.HostileTally;
import dev.ferry.testkit.RawWebSocket;
import dev.ferry.testkit.Streams;
import dev.ferry.testkit.TcpTarget;
import dev.ferry.tunnel.Protocol;
import dev.ferry.tunnel.TunnelError;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The flow-control window (PROTOCOL.md §4) on the gateway: while the upstream reads nothing, the
 * gateway keeps reading the client's WebSocket, and what waits for the upstream never exceeds the
 * window plus one DATA frame; a client that sends beyond the window is closed as a protocol error
 * and the upstream gets no more than what the window allowed.
 */
@Timeout(180)
class FlowControlWindowTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();

  static final long MIB = 1L << 20;

  /** What may wait at the gateway: the window plus the one frame read just below it. */
  static final long LIMIT = Protocol.FLOW_WINDOW_BYTES + Protocol.MAX_DATA_PAYLOAD;

  /**
   * A target that reads nothing until {@code release}, then counts everything to EOF (or a reset)
   * and completes {@code done}.
   */
  static TcpTarget.Behavior stallThenCount(
      CountDownLatch release, AtomicLong count, CompletableFuture<Void> done) {
    return (s, t) -> {
      release.await();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[256 * 1024];
      int n;
      try {
        while ((n = in.read(buf)) >= 0) {
          count.addAndGet(n);
        }
      } finally {
        done.complete(null);
      }
    };
  }

  static TunnelSession onlySession(GatewayFixture.Running gw) {
    await().atMost(Duration.ofSeconds(20)).until(() -> gw.server().sessions().size() == 1);
    return gw.server().sessions().iterator().next();
  }

  /** A raw client's tunnel to {@code db} as alice: upgraded, and the SESSION frame read first. */
  static RawWebSocket openRawTunnel(GatewayFixture.Running gw) throws IOException {
    RawWebSocket ws = fx.closeAfter(RawWebSocket.open(gw.port(), "db", fx.token(ALICE)));
    assertThat(ws.status()).as(ws.head() + ws.body()).isEqualTo(101);
    assertThat(ws.readFrame().payload()[0]).as("SESSION first").isEqualTo((byte) 3);
    return ws;
  }

  /**
   * Reads {@code ws} in the background, keeping the highest ACK in {@code maxAck}; completes with
   * the close frame, or null when the connection ended without one.
   */
  static CompletableFuture<RawWebSocket.Frame> readAcksUntilClose(
      RawWebSocket ws, AtomicLong maxAck) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            while (true) {
              RawWebSocket.Frame f = ws.readFrame();
              if (f == null || f.opcode() == RawWebSocket.CLOSE) {
                return f;
              }
              byte[] p = f.payload();
              if (f.opcode() == RawWebSocket.BINARY && p.length == 9 && p[0] == 2) {
                maxAck.accumulateAndGet(ByteBuffer.wrap(p, 1, 8).getLong(), Math::max);
              }
            }
          } catch (IOException e) {
            return null;
          }
        });
  }

  @Test
  @DisplayName(
      "a stalled upstream and a client pushing 48 MiB: at most the window waits at the gateway")
  void stalledUpstreamHoldsAtMostTheWindow() throws Exception {
    long size = 48 * MIB;
    CountDownLatch reading = new CountDownLatch(1);
    TcpTarget target = fx.target(TcpTarget.after(reading, TcpTarget.digestAfterEof()));
    GatewayFixture.Running gw = fx.gateway().proxy("db", target).start();
    Forwarder f =
        fx.closeAfter(
            new Forwarder(gw.connector(), "db", fx.tokens(fx.token(ALICE)), "127.0.0.1", 0, null));
    f.start();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", f.port()), 5000);
      s.setSoTimeout(60_000);
      TunnelSession session = onlySession(gw);
      AtomicLong written = new AtomicLong();
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                try {
                  Streams.writePattern(Streams.counting(s.getOutputStream(), written), size);
                  s.shutdownOutput();
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });
      try {
        Streams.awaitStall(written);
        System.out.printf(
            "stalled upstream: client wrote %.1f MiB, %.2f MiB waited at the gateway (limit %.2f)%n",
            written.get() / (double) MIB,
            session.pendingPeak() / (double) MIB,
            LIMIT / (double) MIB);
        assertThat(writer).isNotDone();
        assertThat(target.received()).isZero();
        assertThat(session.pendingPeak())
            .as("the gateway kept reading while the upstream was blocked")
            .isPositive()
            .isLessThanOrEqualTo(LIMIT);
      } finally {
        reading.countDown();
      }
      byte[] reply = s.getInputStream().readAllBytes();
      writer.get(60, TimeUnit.SECONDS);
      assertThat(reply).hasSize(40);
      assertThat(Arrays.copyOf(reply, 32)).isEqualTo(Streams.patternDigest(size));
      assertThat(ByteBuffer.wrap(reply, 32, 8).getLong()).isEqualTo(size);
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> gw.audit("session.end").size() == 1);
    assertThat(gw.audit("session.end").get(0).path("reason").asText()).isEqualTo("completed");
  }

  /**
   * What this proves: a client that ignores the window (never waits for an ACK) is closed with 4400
   * naming the window, what waited at the gateway stayed within the window plus one frame, and the
   * upstream got no more than the client's acknowledged bytes plus the window.
   */
  @Test
  @DisplayName("a raw client sending beyond the window: 4400 naming it; the upstream gets ≤ window")
  void clientIgnoringTheWindowIsClosed() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicLong upstream = new AtomicLong();
    CompletableFuture<Void> upstreamDone = new CompletableFuture<>();
    TcpTarget target = fx.target(stallThenCount(release, upstream, upstreamDone));
    GatewayFixture.Running gw = fx.gateway().proxy("db", target).start();
    try (RawWebSocket ws = openRawTunnel(gw)) {
      TunnelSession session = onlySession(gw);
      AtomicLong maxAck = new AtomicLong();
      CompletableFuture<RawWebSocket.Frame> close = readAcksUntilClose(ws, maxAck);
      // 64 MiB in full DATA frames without ever waiting for an ACK, or until the gateway hangs up.
      byte[] payload = RawWebSocket.random(Protocol.MAX_DATA_PAYLOAD);
      long sent = 0;
      try {
        while (sent < 64 * MIB && !close.isDone()) {
          ws.data(payload);
          sent += payload.length;
        }
      } catch (IOException cut) {
        // the gateway closed the connection after its close frame
      }
      RawWebSocket.Frame closeFrame = close.get(30, TimeUnit.SECONDS);
      assertThat(closeFrame).as("a close frame, not a cut").isNotNull();
      assertThat(closeFrame.closeCode()).isEqualTo(TunnelError.PROTOCOL_ERROR.closeCode());
      assertThat(closeFrame.closeReason()).contains("flow-control window");
      assertThat(session.pendingPeak()).isPositive().isLessThanOrEqualTo(LIMIT);
      // The upstream still reads nothing: the session ends anyway, its upstream cut after a grace.
      await().atMost(Duration.ofSeconds(30)).until(() -> gw.audit("session.end").size() == 1);
      release.countDown();
      upstreamDone.get(30, TimeUnit.SECONDS);
      assertThat(gw.audit("session.end").get(0).path("reason").asText())
          .startsWith("protocol-error")
          .contains("flow-control window");
      long got = upstream.get();
      System.out.printf(
          "window ignored: client sent %.1f MiB, gateway acknowledged %.1f MiB, upstream got %.1f"
              + " MiB, %.2f MiB waited at the gateway%n",
          sent / (double) MIB,
          maxAck.get() / (double) MIB,
          got / (double) MIB,
          session.pendingPeak() / (double) MIB);
      assertThat(got).isLessThanOrEqualTo(maxAck.get() + LIMIT).isLessThan(sent);
      HostileTally.record("DATA beyond the flow-control window", 1, 0);
    }
  }

  /**
   * What this proves: DATA that waits for a stalled upstream reaches it complete and in order,
   * small frames too (the gateway gathers those, under 4 KiB, into shared copies instead of keeping
   * an object and a read buffer per frame), mixed with full ones, while the client keeps to the
   * window.
   */
  @Test
  @DisplayName(
      "small and full DATA frames waiting for a stalled upstream arrive whole and in order")
  void waitingDataArrivesInOrder() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicLong upstream = new AtomicLong();
    CompletableFuture<byte[]> upstreamDigest = new CompletableFuture<>();
    TcpTarget target =
        fx.target(
            (s, t) -> {
              release.await();
              MessageDigest md = Streams.sha256();
              InputStream in = s.getInputStream();
              byte[] buf = new byte[256 * 1024];
              int n;
              while ((n = in.read(buf)) >= 0) {
                md.update(buf, 0, n);
                upstream.addAndGet(n);
              }
              upstreamDigest.complete(md.digest());
            });
    GatewayFixture.Running gw = fx.gateway().proxy("db", target).start();
    try (RawWebSocket ws = openRawTunnel(gw)) {
      TunnelSession session = onlySession(gw);
      AtomicLong maxAck = new AtomicLong();
      CompletableFuture<RawWebSocket.Frame> close = readAcksUntilClose(ws, maxAck);
      MessageDigest sentDigest = Streams.sha256();
      long sent = 0;
      long budget = Protocol.FLOW_WINDOW_BYTES - MIB / 2; // what this client allows itself
      // Full frames, within the window as a client must, until it is full but for room for the
      // small ones below and the ACKs stopped moving (the upstream's buffers are full).
      byte[] full = RawWebSocket.random(Protocol.MAX_DATA_PAYLOAD);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      long lastAck = -1;
      long quietSince = System.nanoTime();
      while (true) {
        assertThat(System.nanoTime()).as("ACKs never stopped").isLessThan(deadline);
        if (sent - maxAck.get() + full.length <= budget - 256 * 1024) {
          ws.data(full);
          sentDigest.update(full);
          sent += full.length;
          continue;
        }
        long ack = maxAck.get();
        if (ack != lastAck) {
          lastAck = ack;
          quietSince = System.nanoTime();
        } else if (System.nanoTime() - quietSince > TimeUnit.SECONDS.toNanos(1)) {
          break;
        }
        Thread.sleep(10);
      }
      assertThat(session.pendingPeak()).as("DATA waits at the gateway").isPositive();
      // Then small frames of every size up to 700 bytes, a full one now and then, all waiting.
      int small = 0;
      for (int i = 1; small < 3000; i++) {
        byte[] payload = i % 50 == 0 ? full : Arrays.copyOf(full, 1 + i % 700);
        payload[0] = (byte) i;
        if (sent - maxAck.get() + payload.length > budget) {
          break;
        }
        ws.data(payload);
        sentDigest.update(payload);
        sent += payload.length;
        small += payload.length < full.length ? 1 : 0;
      }
      // EOF: the upstream's input ends after everything before it.
      ws.frame(
          RawWebSocket.BINARY,
          true,
          true,
          ByteBuffer.allocate(9).put((byte) 1).putLong(sent).array());
      System.out.printf(
          "%d small DATA frames among %.1f MiB sent; %.2f MiB waited at the gateway%n",
          small, sent / (double) MIB, session.pendingPeak() / (double) MIB);
      assertThat(small).isGreaterThan(100);
      assertThat(session.pendingPeak()).isPositive().isLessThanOrEqualTo(LIMIT);
      release.countDown();
      byte[] digest = upstreamDigest.get(60, TimeUnit.SECONDS);
      assertThat(upstream.get()).isEqualTo(sent);
      assertThat(digest).as("SHA-256 the upstream received").isEqualTo(sentDigest.digest());
      RawWebSocket.Frame end = close.getNow(null);
      assertThat(end == null ? -1 : end.closeCode())
          .as("no protocol error")
          .isNotEqualTo(TunnelError.PROTOCOL_ERROR.closeCode());
    }
  }
}
