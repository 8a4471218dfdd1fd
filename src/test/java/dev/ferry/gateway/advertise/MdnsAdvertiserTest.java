package dev.ferry.gateway.advertise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ferry.gateway.config.ServerSettings;
import dev.ferry.gateway.config.TlsSettings;
import dev.ferry.testkit.ResolvedServices;
import dev.ferry.tunnel.LanDiscovery;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.jmdns.JmDNS;
import javax.jmdns.ServiceInfo;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class MdnsAdvertiserTest {
  private static final Duration CLOSE_BOUND = MdnsAdvertiser.CLOSE_TIMEOUT.plusMillis(500);

  private static ServerSettings settings(String name, String bind, String publicUrl, boolean tls) {
    TlsSettings t = tls ? new TlsSettings(Path.of("c.pem"), Path.of("k.pem")) : null;
    return new ServerSettings(name, bind, 8080, publicUrl, t, List.of());
  }

  @Nested
  @DisplayName("the gateway contract")
  class Contract {
    @Test
    @DisplayName("publicUrl wins over the advertised address")
    void publicUrlWins() throws Exception {
      URI url =
          MdnsAdvertiser.gatewayUrl(
              settings("acme", "0.0.0.0", "https://ferry.example.com", false),
              InetAddress.getByName("10.1.2.3"),
              9000);
      assertThat(url).isEqualTo(URI.create("https://ferry.example.com"));
    }

    @Test
    @DisplayName("without publicUrl: http(s)://ADDRESS:PORT, IPv6 in brackets")
    void builtFromAddressAndPort() throws Exception {
      assertThat(
              MdnsAdvertiser.gatewayUrl(
                  settings("a", "0.0.0.0", null, false), InetAddress.getByName("10.1.2.3"), 9000))
          .hasToString("http://10.1.2.3:9000");
      assertThat(
              MdnsAdvertiser.gatewayUrl(
                  settings("a", "0.0.0.0", null, true), InetAddress.getByName("10.1.2.3"), 8443))
          .hasToString("https://10.1.2.3:8443");
      assertThat(
              MdnsAdvertiser.gatewayUrl(
                  settings("a", "::", null, false), InetAddress.getByName("fd00::2"), 80))
          .hasToString("http://[fd00:0:0:0:0:0:0:2]:80");
    }

    @Test
    @DisplayName("TXT carries url, name, version and protocol=ferry.v1")
    void txt() {
      assertThat(MdnsAdvertiser.gatewayTxt(URI.create("http://10.1.2.3:80"), "acme", "1.2.3"))
          .containsExactly(
              Map.entry("url", "http://10.1.2.3:80"),
              Map.entry("name", "acme"),
              Map.entry("version", "1.2.3"),
              Map.entry("protocol", "ferry.v1"));
    }

    @Test
    @DisplayName("programming errors are refused before any network work")
    void badArguments() throws Exception {
      InetAddress lo = InetAddress.getByName("127.0.0.1");
      assertThatThrownBy(() -> MdnsAdvertiser.start(lo, "", 80, Map.of()))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> MdnsAdvertiser.start(lo, "x".repeat(64), 80, Map.of()))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> MdnsAdvertiser.start(lo, "x", 0, Map.of()))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> MdnsAdvertiser.start(lo, "x", 80, Map.of("url", "u".repeat(300))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("at most 255");
    }
  }

  @Test
  @DisplayName(
      "an address mDNS cannot use gives an inactive advertiser with a reason, no exception")
  void inactiveWhenMdnsUnavailable() throws Exception {
    // TEST-NET-3: not an address of this machine, so JmDNS cannot bind its socket to it.
    InetAddress foreign = InetAddress.getByName("203.0.113.7");
    try (MdnsAdvertiser advertiser = MdnsAdvertiser.start(foreign, "x", 80, Map.of())) {
      assertThat(advertiser.active()).isFalse();
      assertThat(advertiser.reason()).get(InstanceOfAssertFactories.STRING).contains("203.0.113.7");
      assertThat(advertiser.reason().get()).doesNotContain("\n");
      assertThat(advertiser.instanceName()).isEmpty();
    }
  }

  @Test
  @DisplayName("on loopback: the service carries the TXT contract, and close() is bounded")
  void advertisesOnLoopback() throws Exception {
    InetAddress lo = InetAddress.getByName("127.0.0.1");
    String name = "adv-test-" + UUID.randomUUID().toString().substring(0, 8);
    ResolvedServices resolved = new ResolvedServices();
    JmDNS browser = JmDNS.create(lo, "adv-test-browser");
    try {
      browser.addServiceListener(LanDiscovery.SERVICE_TYPE, resolved);
      MdnsAdvertiser advertiser =
          MdnsAdvertiser.startForGateway(settings(name, "127.0.0.1", null, false), 8123, "9.9.9");
      long closeMillis;
      try {
        assertThat(advertiser.active()).isTrue();
        assertThat(advertiser.reason()).isEmpty();
        assertThat(advertiser.address()).isEqualTo(lo);
        await().atMost(Duration.ofSeconds(20)).until(() -> resolved.byName.containsKey(name));
        ServiceInfo info = resolved.byName.get(name);
        assertThat(info.getPort()).isEqualTo(8123);
        assertThat(info.getPropertyString("url")).isEqualTo("http://127.0.0.1:8123");
        assertThat(info.getPropertyString("name")).isEqualTo(name);
        assertThat(info.getPropertyString("version")).isEqualTo("9.9.9");
        assertThat(info.getPropertyString("protocol")).isEqualTo("ferry.v1");
      } finally {
        long t0 = System.nanoTime();
        advertiser.close();
        closeMillis = (System.nanoTime() - t0) / 1_000_000;
      }
      assertThat(Duration.ofMillis(closeMillis)).isLessThan(CLOSE_BOUND);
      assertThat(advertiser.active()).isFalse();
      advertiser.close(); // idempotent, immediate
    } finally {
      browser.close();
    }
  }
}
