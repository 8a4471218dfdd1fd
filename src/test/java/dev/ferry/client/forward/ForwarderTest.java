package dev.ferry.client.forward;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.client.auth.TokenSource;
import dev.ferry.testkit.ForwarderEvents;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.LoopbackClient;
import dev.ferry.testkit.Streams;
import dev.ferry.testkit.TcpTarget;
import dev.ferry.tunnel.TunnelError;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(60)
class ForwarderTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();

  Forwarder forwarder(
      GatewayFixture.Running gw, String proxy, ForwarderEvents rec, String... tokens)
      throws Exception {
    return fx.forwarder(gw.connector(), proxy, fx.tokens(tokens), rec);
  }

  static Socket connect(Forwarder f) throws Exception {
    return LoopbackClient.connect(f.port(), Duration.ofSeconds(30));
  }

  @Nested
  @DisplayName("half-close")
  class HalfClose {
    @Test
    @DisplayName("client writes, shuts down output, then reads the whole reply")
    void clientFirst() throws Exception {
      TcpTarget target = fx.target(TcpTarget.digestAfterEof());
      GatewayFixture.Running gw = fx.gateway().proxy("digest", target).start();
      ForwarderEvents rec = new ForwarderEvents();
      Forwarder f = forwarder(gw, "digest", rec, fx.token(ALICE));
      int n = 3 * 1024 * 1024 + 17;
      try (Socket s = connect(f)) {
        Streams.writePattern(s.getOutputStream(), n);
        s.shutdownOutput();
        TcpTarget.assertDigestReply(s.getInputStream().readAllBytes(), n);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> rec.closed.size() == 1);
      assertThat(rec.closed.get(0)).isEqualTo(new ForwarderEvents.Closed(n, 40, "completed"));
      await().atMost(Duration.ofSeconds(10)).until(() -> gw.audit("session.end").size() == 1);
      JsonNode end = gw.audit("session.end").get(0);
      assertThat(end.path("bytesUp").asLong()).isEqualTo(n);
      assertThat(end.path("bytesDown").asLong()).isEqualTo(40);
      assertThat(end.path("reason").asText()).isEqualTo("completed");
      JsonNode start = gw.audit("session.start").get(0);
      assertThat(start.path("sessionId").asText()).isEqualTo(end.path("sessionId").asText());
      assertThat(start.path("user").asText()).isEqualTo(ALICE);
      assertThat(gw.auditLines()).noneMatch(l -> l.contains("eyJ"));
    }

    @Test
    @DisplayName("client half-closes, then a large reply backs up in the forwarder before it reads")
    void clientFirstThenLargeReply() throws Exception {
      // The forwarder's socket has shut its input and has nothing to write when the reply starts;
      // the reply then backs up in it. Passes on NIO; with -Dferry.transport=epoll (Netty 4.2.18)
      // the client got 0 of the 32 MiB in 6 of 6 runs, one reason epoll stays off (Transport).
      long size = 32L << 20;
      TcpTarget target =
          fx.target(
              (sock, t) -> {
                sock.getInputStream().readAllBytes();
                Thread.sleep(300);
                Streams.writePattern(sock.getOutputStream(), size);
                sock.shutdownOutput();
              });
      GatewayFixture.Running gw = fx.gateway().proxy("late", target).start();
      ForwarderEvents rec = new ForwarderEvents();
      Forwarder f = forwarder(gw, "late", rec, fx.token(ALICE));
      try (Socket s = connect(f)) {
        s.getOutputStream().write("go".getBytes(StandardCharsets.UTF_8));
        s.shutdownOutput();
        Thread.sleep(1000);
        long[] count = new long[1];
        byte[] digest = Streams.digest(s.getInputStream(), count);
        assertThat(count[0]).isEqualTo(size);
        assertThat(digest).isEqualTo(Streams.patternDigest(size));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> rec.closed.size() == 1);
      assertThat(rec.closed.get(0)).isEqualTo(new ForwarderEvents.Closed(2, size, "completed"));
    }

    @Test
    @DisplayName("target half-closes first; the client still sends and the target reads it")
    void targetFirst() throws Exception {
      byte[] greeting = "hello from the target".getBytes(StandardCharsets.UTF_8);
      TcpTarget target = fx.target(TcpTarget.greetThenHalfClose(greeting));
      GatewayFixture.Running gw = fx.gateway().proxy("greet", target).start();
      ForwarderEvents rec = new ForwarderEvents();
      Forwarder f = forwarder(gw, "greet", rec, fx.token(ALICE));
      try (Socket s = connect(f)) {
        InputStream in = s.getInputStream();
        assertThat(in.readAllBytes()).as(() -> "refused: " + rec.refused).isEqualTo(greeting);
        OutputStream out = s.getOutputStream();
        Streams.writePattern(out, 100_000);
        s.shutdownOutput();
        await().atMost(Duration.ofSeconds(10)).until(() -> target.received() == 100_000);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> rec.closed.size() == 1);
      assertThat(rec.closed.get(0).up()).isEqualTo(100_000);
      assertThat(rec.closed.get(0).down()).isEqualTo(greeting.length);
    }
  }

  /** A token source that records which threads asked it, and how. */
  static final class WatchedTokens implements TokenSource {
    final String token;
    final boolean ready;
    final List<String> tokenCallers = new CopyOnWriteArrayList<>();
    final AtomicInteger readyCalls = new AtomicInteger();

    WatchedTokens(String token, boolean ready) {
      this.token = token;
      this.ready = ready;
    }

    @Override
    public String token() {
      tokenCallers.add(Thread.currentThread().getName());
      return token;
    }

    @Override
    public String tokenIfReady() {
      readyCalls.incrementAndGet();
      return ready ? token : null;
    }

    @Override
    public String describe() {
      return "watched";
    }
  }

  @Nested
  @DisplayName("tokens")
  class Tokens {
    void echoThrough(Forwarder f) throws Exception {
      try (Socket s = connect(f)) {
        s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
        assertThat(new String(s.getInputStream().readNBytes(4), StandardCharsets.US_ASCII))
            .isEqualTo("ping");
      }
    }

    /** A forwarder to a fresh gateway's echo proxy that asks {@code tokens}. */
    Forwarder echoForwarder(WatchedTokens tokens) throws Exception {
      TcpTarget target = fx.target(TcpTarget.echo());
      GatewayFixture.Running gw = fx.gateway().proxy("echo", target).start();
      return fx.forwarder(gw.connector(), "echo", tokens, new ForwarderEvents());
    }

    @Test
    @DisplayName("a token held in memory opens the tunnel without token(), which may block")
    void readyTokenSkipsTheTokenThread() throws Exception {
      WatchedTokens tokens = new WatchedTokens(fx.token(ALICE), true);
      Forwarder f = echoForwarder(tokens);
      echoThrough(f);
      echoThrough(f);
      assertThat(tokens.readyCalls).hasValue(2);
      assertThat(tokens.tokenCallers).isEmpty();
    }

    @Test
    @DisplayName("a source that would have to renew is asked on a token thread, not the loop")
    void otherwiseTokenOffTheEventLoop() throws Exception {
      WatchedTokens tokens = new WatchedTokens(fx.token(ALICE), false);
      Forwarder f = echoForwarder(tokens);
      echoThrough(f);
      assertThat(tokens.tokenCallers).containsExactly("ferry-token");
    }
  }

  @Nested
  @DisplayName("snapshots for a UI")
  class Snapshots {
    @Test
    @DisplayName("connections() lists each live connection with its bytes; lastRtt() after a pong")
    void connectionsAndRtt() throws Exception {
      TcpTarget target = fx.target(TcpTarget.echo());
      GatewayFixture.Running gw = fx.gateway().proxy("echo", target).start();
      gw.connector().keepaliveInterval(Duration.ofMillis(100));
      ForwarderEvents rec = new ForwarderEvents();
      Forwarder f = forwarder(gw, "echo", rec, fx.token(ALICE));
      assertThat(f.connections()).isEmpty();
      assertThat(f.lastRtt()).isNull();
      try (Socket s = connect(f)) {
        s.getOutputStream().write(new byte[1000]);
        s.getInputStream().readNBytes(1000);
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> f.connections().size() == 1 && f.connections().get(0).bytesDown() == 1000);
        ConnectionSnapshot c = f.connections().get(0);
        assertThat(c.clientPort()).isEqualTo(s.getLocalPort());
        assertThat(c.bytesUp()).isEqualTo(1000);
        assertThat(c.state()).isEqualTo(ConnectionSnapshot.State.OPEN);
        await().atMost(Duration.ofSeconds(10)).until(() -> f.lastRtt() != null);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> f.connections().isEmpty());
      assertThat(f.lastRtt()).as("kept as last known").isNotNull();
    }
  }

  @Nested
  @DisplayName("listener")
  class Listener {
    record Full(int localPort, java.time.Instant openedAt, long up, long down, String reason) {}

    @Test
    @DisplayName(
        "the long forms carry the client's port and when it connected; old listeners still"
            + " hear the short forms")
    void longForms() throws Exception {
      TcpTarget target = fx.target(TcpTarget.echo());
      GatewayFixture.Running gw = fx.gateway().proxy("echo", target).start();
      List<Full> closed = new CopyOnWriteArrayList<>();
      List<Full> refused = new CopyOnWriteArrayList<>();
      ForwarderListener full =
          new ForwarderListener() {
            @Override
            public void connectionClosed(
                int localPort, java.time.Instant openedAt, long up, long down, String reason) {
              closed.add(new Full(localPort, openedAt, up, down, reason));
            }

            @Override
            public void connectionRefused(
                int localPort, java.time.Instant openedAt, TunnelError error, String detail) {
              refused.add(new Full(localPort, openedAt, 0, 0, error.tag()));
            }
          };
      java.time.Instant before = java.time.Instant.now();
      Forwarder f = fx.forwarder(gw.connector(), "echo", fx.tokens(fx.token(ALICE)), full);
      int clientPort;
      try (Socket s = connect(f)) {
        clientPort = s.getLocalPort();
        s.getOutputStream().write(new byte[300]);
        assertThat(s.getInputStream().readNBytes(300)).hasSize(300);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> closed.size() == 1);
      Full c = closed.get(0);
      assertThat(c.localPort()).isEqualTo(clientPort);
      assertThat(c.openedAt()).isBetween(before, java.time.Instant.now());
      assertThat(c.up()).isEqualTo(300);
      assertThat(c.down()).isEqualTo(300);

      ForwarderEvents old = new ForwarderEvents();
      Forwarder nobody = forwarder(gw, "no-such-proxy", old, fx.token(ALICE));
      Forwarder nobodyFull =
          fx.forwarder(gw.connector(), "no-such-proxy", fx.tokens(fx.token(ALICE)), full);
      try (Socket a = connect(nobody);
          Socket b = connect(nobodyFull)) {
        assertThat(a.getInputStream().read()).isEqualTo(-1);
        assertThat(b.getInputStream().read()).isEqualTo(-1);
        clientPort = b.getLocalPort();
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> old.refused.size() == 1);
      await().atMost(Duration.ofSeconds(10)).until(() -> refused.size() == 1);
      assertThat(old.refusedErrors).containsExactly(TunnelError.PROXY_NOT_FOUND);
      assertThat(refused.get(0).localPort()).isEqualTo(clientPort);
      assertThat(refused.get(0).reason()).isEqualTo("not-found");
      assertThat(refused.get(0).openedAt()).isBetween(before, java.time.Instant.now());
    }
  }
}
