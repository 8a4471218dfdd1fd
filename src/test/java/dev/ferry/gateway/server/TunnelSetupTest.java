package dev.ferry.gateway.server;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.gateway.config.Target;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.TcpTarget;
import dev.ferry.tunnel.FrameType;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What keeps tunnel setup short (issue 5): fewer writes, reads and thread hops per tunnel. */
@Timeout(60)
class TunnelSetupTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();

  @Test
  @DisplayName("the 101 and the SESSION frame come in one write, so one read gets both")
  void upgradeAndSessionTogether() throws Exception {
    TcpTarget target = fx.target(TcpTarget.echo());
    GatewayFixture.Running gw = fx.gateway().proxy("db", target).start();
    // Keys fetched first (a loaded machine can time out the first discovery), as in the bench.
    await()
        .atMost(Duration.ofSeconds(45))
        .ignoreExceptions()
        .until(
            () -> {
              gw.open("db", fx.token(ALICE)).close();
              return true;
            });
    try (Socket s = new Socket("127.0.0.1", gw.port())) {
      s.setTcpNoDelay(true);
      s.setSoTimeout(20_000);
      String req =
          "GET /v1/tunnel/db HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
              + "Sec-WebSocket-Protocol: ferry.v1\r\nAuthorization: Bearer "
              + fx.token(ALICE)
              + "\r\n\r\n";
      s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      byte[] buf = new byte[64 * 1024];
      int n = in.read(buf); // one read: whatever the first segment carried
      String text = new String(buf, 0, Math.max(n, 0), StandardCharsets.ISO_8859_1);
      assertThat(text).startsWith("HTTP/1.1 101");
      int body = text.indexOf("\r\n\r\n") + 4;
      assertThat(body).as("end of the 101's headers").isGreaterThan(4);
      assertThat(n - body).as("bytes of the SESSION frame in the same read").isGreaterThan(2);
      assertThat(buf[body] & 0xff).as("FIN + binary").isEqualTo(0x82);
      assertThat(buf[body + 1] & 0x80).as("the server does not mask").isZero();
      int length = buf[body + 1] & 0x7f;
      int payload = body + 2;
      if (length == 126) {
        length = ((buf[body + 2] & 0xff) << 8) | (buf[body + 3] & 0xff);
        payload = body + 4;
      }
      assertThat(n).as("the whole SESSION frame").isEqualTo(payload + length);
      assertThat(buf[payload]).isEqualTo((byte) FrameType.SESSION.code());
    }
  }

  @Test
  @DisplayName("an IP-literal target is resolved at once, on the caller's thread")
  void literalTargetsNeedNoLookup() throws Exception {
    UpstreamResolver resolver = new UpstreamResolver();
    CompletableFuture<InetSocketAddress> v4 =
        resolver.resolve(new Target("127.0.0.1", 5432), false);
    CompletableFuture<InetSocketAddress> v6 = resolver.resolve(new Target("::1", 22), false);
    assertThat(v4).isDone();
    assertThat(v4.join()).isEqualTo(new InetSocketAddress(InetAddress.getLoopbackAddress(), 5432));
    assertThat(v6).isDone();
    assertThat(v6.join().getAddress().isLoopbackAddress()).isTrue();
    assertThat(v6.join().getPort()).isEqualTo(22);
    // The fast path keeps the link-local refusal: the metadata server's literal is refused too.
    assertThat(resolver.resolve(new Target("169.254.169.254", 80), false))
        .isCompletedExceptionally();
    assertThat(resolver.resolve(new Target("169.254.169.254", 80), true))
        .isCompletedWithValue(new InetSocketAddress(InetAddress.getByName("169.254.169.254"), 80));
    // A name still goes through the OS resolver (off the caller's thread), with the same result.
    InetSocketAddress named =
        resolver.resolve(new Target("localhost", 80), false).get(20, TimeUnit.SECONDS);
    assertThat(named.isUnresolved()).isFalse();
    assertThat(named.getAddress().isLoopbackAddress()).isTrue();
  }
}
