package dev.ferry.client.forward;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.LoopbackClient;
import dev.ferry.testkit.TcpTarget;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Where a forwarder may listen, and its optional limit of open local connections. */
@Timeout(60)
class ForwarderLimitsTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();

  @BeforeAll
  static void warmIssuer() throws Exception {
    fx.warmProvider();
  }

  @Nested
  @DisplayName("bind address")
  class Bind {
    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "::", "8.8.8.8"})
    @DisplayName("a non-loopback address is refused before anything listens")
    void refused(String host) throws Exception {
      GatewayFixture.Running gw = fx.gateway().start();
      assertThatThrownBy(() -> new Forwarder(gw.connector(), "x", fx.tokens("t"), host, 0, null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("refusing to listen on " + host)
          .hasMessageContaining("not a loopback address");
    }

    @Test
    @DisplayName("this machine's own non-loopback addresses are refused too")
    void ownAddresses() throws Exception {
      GatewayFixture.Running gw = fx.gateway().start();
      List<InetAddress> own = new CopyOnWriteArrayList<>();
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress a : Collections.list(nic.getInetAddresses())) {
          if (!a.isLoopbackAddress() && a instanceof Inet4Address) {
            own.add(a);
          }
        }
      }
      for (InetAddress a : own) {
        assertThatThrownBy(
                () ->
                    new Forwarder(gw.connector(), "x", fx.tokens("t"), a.getHostAddress(), 0, null))
            .hasMessageContaining("not a loopback address");
      }
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.2", "::1", "localhost"})
    @DisplayName("any loopback address is allowed and carries bytes")
    void loopback(String host) throws Exception {
      GatewayFixture.Running gw = fx.gateway().proxy("echo", fx.target(TcpTarget.echo())).start();
      Forwarder f =
          fx.closeAfter(
              new Forwarder(gw.connector(), "echo", fx.tokens(fx.token(ALICE)), host, 0, null));
      f.start();
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getByName(host), f.port()), 5000);
        s.setSoTimeout(20_000);
        s.getOutputStream().write(new byte[] {1, 2, 3});
        assertThat(s.getInputStream().readNBytes(3)).containsExactly(1, 2, 3);
      }
    }
  }

  @Test
  @DisplayName("--max-connections: one more is closed at once, reported and counted, not queued")
  void limit() throws Exception {
    GatewayFixture.Running gw = fx.gateway().proxy("echo", fx.target(TcpTarget.echo())).start();
    List<String> limited = new CopyOnWriteArrayList<>();
    ForwarderListener listener =
        new ForwarderListener() {
          @Override
          public void connectionLimited(int localPort, String message) {
            limited.add(localPort + " " + message);
          }
        };
    Forwarder f =
        fx.closeAfter(
            new Forwarder(
                gw.connector(), "echo", fx.tokens(fx.token(ALICE)), "127.0.0.1", 0, 2, listener));
    f.start();
    try (Socket a = open(f);
        Socket b = open(f)) {
      roundTrip(a);
      roundTrip(b);
      try (Socket c = open(f)) {
        assertThat(c.getInputStream().read()).isEqualTo(-1);
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () ->
                    assertThat(limited)
                        .containsExactly(c.getLocalPort() + " limit of 2 connections reached"));
      }
      ForwarderStats stats = f.stats();
      assertThat(stats.activeConnections()).isEqualTo(2);
      assertThat(stats.limitedConnections()).isEqualTo(1);
      assertThat(stats.maxConnections()).isEqualTo(2);
      roundTrip(a); // the two that were open are unaffected
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> f.stats().activeConnections() == 0);
    try (Socket again = open(f)) {
      roundTrip(again); // room again once they closed
    }
    assertThat(f.stats().totalConnections()).isEqualTo(3);
    assertThat(gw.audit("session.start")).hasSize(3);
  }

  static Socket open(Forwarder f) throws Exception {
    return LoopbackClient.connect(f.port(), Duration.ofSeconds(20));
  }

  static void roundTrip(Socket s) throws Exception {
    s.getOutputStream().write(new byte[] {42});
    assertThat(s.getInputStream().read()).isEqualTo(42);
  }
}
