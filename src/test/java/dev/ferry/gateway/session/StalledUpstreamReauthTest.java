package dev.ferry.gateway.session;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.client.auth.TokenSource;
import dev.ferry.client.forward.Forwarder;
import dev.ferry.client.forward.ForwarderListener;
import dev.ferry.gateway.config.Limits;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.Streams;
import dev.ferry.testkit.TcpTarget;
import dev.ferry.tunnel.Protocol;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * In-band re-authentication while the upstream does not read (a busy database): the client's fresh
 * tokens must reach the gateway although DATA waits in front of them, because receivers keep
 * reading control frames while their TCP side is blocked (PROTOCOL.md §4). Time is scaled down as
 * in {@link InBandReauthTest}: tokens live {@link #LIFETIME}, the verifier's skew is {@link #SKEW},
 * and every timer is the real one.
 */
@Timeout(180)
class StalledUpstreamReauthTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();

  static final Duration LIFETIME = Duration.ofSeconds(5);
  static final Duration SKEW = Duration.ofSeconds(2);

  /** How long the upstream reads nothing: three token lifetimes, each one alone ends the tunnel. */
  static final Duration STALL = LIFETIME.multipliedBy(3);

  /** More than the window and every socket buffer on the way hold, so the writer must block. */
  static final long SIZE = 48L << 20;

  /** Sessions end with their token (the default), resumable within 5 s. */
  static Limits bound() {
    return new Limits(
        0, 0, Duration.ofMinutes(30), Duration.ofHours(12), Duration.ofSeconds(5), true);
  }

  /** A fresh short token from the provider on every call. */
  static final class Minting implements TokenSource {
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public String token() {
      calls.incrementAndGet();
      return fx.token(ALICE, LIFETIME, "dba");
    }

    @Override
    public String describe() {
      return "minting test tokens";
    }
  }

  static final class Recorder implements ForwarderListener {
    final List<String> closed = new CopyOnWriteArrayList<>();
    final List<String> warnings = new CopyOnWriteArrayList<>();

    @Override
    public void connectionClosed(long bytesUp, long bytesDown, String reason) {
      closed.add(reason);
    }

    @Override
    public void warning(String message) {
      warnings.add(message);
    }
  }

  /**
   * What this proves: while the upstream reads nothing for three token lifetimes and the client
   * keeps writing, the gateway accepts the client's fresh tokens (its session's expiry moves on
   * twice, and the session is alive long after the first token's exp plus skew), and once the
   * upstream reads again every byte arrives in order (SHA-256 and count). Before the fix the TOKEN
   * frames waited unread behind DATA and the session ended {@code token-expired}.
   */
  @Test
  @DisplayName(
      "an upstream that stops reading for 3 token lifetimes: renewals accepted meanwhile, SHA-256"
          + " equal")
  void renewalsPassAStalledUpstream() throws Exception {
    CountDownLatch reading = new CountDownLatch(1);
    TcpTarget.Behavior digest = TcpTarget.digestAfterEof();
    TcpTarget target =
        fx.target(
            (s, t) -> {
              reading.await(); // a busy database: reads nothing until released
              digest.handle(s, t);
            });
    GatewayFixture.Running gw =
        fx.gateway().clockSkew(SKEW).proxy("db", target, bound()).start().warmUp();
    Minting tokens = new Minting();
    Recorder rec = new Recorder();
    Forwarder f = fx.closeAfter(new Forwarder(gw.connector(), "db", tokens, "127.0.0.1", 0, rec));
    f.start();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", f.port()), 5000);
      s.setSoTimeout(60_000);
      await().atMost(Duration.ofSeconds(20)).until(() -> gw.server().sessions().size() == 1);
      TunnelSession session = gw.server().sessions().iterator().next();
      Instant firstExp = session.identity().expiresAt();
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                try {
                  Streams.writePattern(s.getOutputStream(), SIZE);
                  s.shutdownOutput();
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });
      try {
        long stallEnds = System.nanoTime() + STALL.toNanos();
        // Two renewals accepted by the gateway while nothing of the DATA in front moved.
        await()
            .atMost(STALL)
            .pollInterval(Duration.ofMillis(100))
            .untilAsserted(
                () ->
                    assertThat(session.identity().expiresAt())
                        .as(() -> "a renewal accepted; session.end: " + gw.audit("session.end"))
                        .isAfter(firstExp.plus(LIFETIME)));
        while (System.nanoTime() < stallEnds) {
          Thread.sleep(100);
        }
        assertThat(target.received()).as("the upstream read nothing yet").isZero();
        assertThat(writer).as("the client's writes are held back").isNotDone();
        assertThat(Instant.now()).isAfter(firstExp.plus(SKEW));
        assertThat(gw.audit("session.end")).as(() -> "closed: " + rec.closed).isEmpty();
        assertThat(session.pendingPeak())
            .as("client DATA waiting for the upstream")
            .isPositive()
            .isLessThanOrEqualTo(Protocol.FLOW_WINDOW_BYTES + Protocol.MAX_DATA_PAYLOAD);
        System.out.printf(
            "stalled upstream: %d tokens minted, %.1f MiB waited at the gateway, session alive%n",
            tokens.calls.get(), session.pendingPeak() / (double) (1 << 20));
      } finally {
        reading.countDown();
      }
      byte[] reply = s.getInputStream().readAllBytes();
      writer.get(60, TimeUnit.SECONDS);
      assertThat(reply).as(() -> "closed: " + rec.closed).hasSize(40);
      assertThat(Arrays.copyOf(reply, 32))
          .as("SHA-256 the upstream received")
          .isEqualTo(Streams.patternDigest(SIZE));
      assertThat(ByteBuffer.wrap(reply, 32, 8).getLong()).isEqualTo(SIZE);
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> gw.audit("session.end").size() == 1);
    JsonNode end = gw.audit("session.end").get(0);
    assertThat(end.path("reason").asText()).isEqualTo("completed");
    assertThat(end.path("bytesUp").asLong()).isEqualTo(SIZE);
    await().atMost(Duration.ofSeconds(10)).until(() -> rec.closed.size() == 1);
    assertThat(rec.closed).containsExactly("completed");
    assertThat(rec.warnings).isEmpty();
  }
}
