package dev.ferry.client.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.discovery.GatewayBrowser.DiscoveredGateway;
import dev.ferry.gateway.advertise.MdnsAdvertiser;
import dev.ferry.gateway.config.ServerSettings;
import dev.ferry.testkit.ResolvedServices;
import dev.ferry.tunnel.LanDiscovery;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.jmdns.JmDNS;
import javax.jmdns.ServiceInfo;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Browsing on loopback. Other processes on this host may advertise {@code _ferry._tcp} too, so
 * every assertion looks only at this test's uniquely named services.
 */
class GatewayBrowserTest {
  private static final Duration DISCOVERY_WAIT = Duration.ofSeconds(20);
  private static final Duration CLOSE_BOUND = MdnsAdvertiser.CLOSE_TIMEOUT.plusMillis(500);

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static ServiceInfo service(String name, Map<String, String> txt) {
    return ServiceInfo.create(LanDiscovery.SERVICE_TYPE, name, 8080, 0, 0, txt);
  }

  @Nested
  @DisplayName("which services count as gateways")
  class Filter {
    @Test
    @DisplayName("name, url and version come from the TXT record")
    void fromTxt() {
      Optional<DiscoveredGateway> g =
          GatewayBrowser.toGateway(
              service(
                  "inst",
                  Map.of("url", "https://ferry.example.com", "name", "acme", "version", "1.0")));
      assertThat(g)
          .contains(new DiscoveredGateway("acme", URI.create("https://ferry.example.com"), "1.0"));
    }

    @Test
    @DisplayName("without a name TXT the instance name is shown; without version it is null")
    void fallbacks() {
      assertThat(GatewayBrowser.toGateway(service("inst", Map.of("url", "http://10.0.0.1:80"))))
          .contains(new DiscoveredGateway("inst", URI.create("http://10.0.0.1:80"), null));
    }

    @Test
    @DisplayName("no url TXT: ignored")
    void noUrl() {
      assertThat(GatewayBrowser.toGateway(service("inst", Map.of("name", "acme")))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ftp://10.0.0.1/", "ws://10.0.0.1:80", "not a url", "http:///x"})
    @DisplayName("a url TXT that is not an absolute http(s) URL with a host: ignored")
    void badUrl(String url) {
      assertThat(GatewayBrowser.toGateway(service("inst", Map.of("url", url)))).isEmpty();
    }
  }

  @Test
  @DisplayName("finds an advertised gateway on loopback, loses it when the advertiser closes")
  void findsAndLoses() throws Exception {
    InetAddress lo = InetAddress.getByName("127.0.0.1");
    String name = unique("gw");
    List<DiscoveredGateway> found = new CopyOnWriteArrayList<>();
    List<DiscoveredGateway> lost = new CopyOnWriteArrayList<>();
    DiscoveredGateway expected =
        new DiscoveredGateway(name, URI.create("http://127.0.0.1:8124"), "7.7.7");

    try (GatewayBrowser browser = GatewayBrowser.start(lo, found::add, lost::add)) {
      assertThat(browser.active()).isTrue();
      MdnsAdvertiser advertiser =
          MdnsAdvertiser.startForGateway(
              new ServerSettings(name, "127.0.0.1", 8080, null, null, List.of()), 8124, "7.7.7");
      assertThat(advertiser.active()).isTrue();

      await().atMost(DISCOVERY_WAIT).until(() -> found.contains(expected));
      assertThat(browser.current()).contains(expected);
      assertThat(lost).doesNotContain(expected);

      long t0 = System.nanoTime();
      advertiser.close();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(CLOSE_BOUND);

      await().atMost(DISCOVERY_WAIT).until(() -> lost.contains(expected));
      assertThat(browser.current()).doesNotContain(expected);
      assertThat(found.stream().filter(expected::equals)).hasSize(1);
    }
  }

  @Test
  @DisplayName("services without a usable url TXT never reach the callbacks")
  void ignoresServicesWithoutUrl() throws Exception {
    InetAddress lo = InetAddress.getByName("127.0.0.1");
    String noUrl = unique("no-url");
    String ftpUrl = unique("ftp-url");
    String good = unique("good");
    Set<String> bad = Set.of(noUrl, ftpUrl);
    List<DiscoveredGateway> found = new CopyOnWriteArrayList<>();

    // A second, raw listener tells when the bad services have been resolved on this link, so the
    // browser has had them in hand too.
    ResolvedServices resolvedRaw = new ResolvedServices();
    JmDNS raw = JmDNS.create(lo, "browser-test-raw");
    JmDNS advertiser = JmDNS.create(lo, "browser-test-adv");
    try (GatewayBrowser browser = GatewayBrowser.start(lo, found::add, g -> {})) {
      raw.addServiceListener(LanDiscovery.SERVICE_TYPE, resolvedRaw);
      advertiser.registerService(service(noUrl, Map.of("name", noUrl, "version", "1")));
      advertiser.registerService(service(ftpUrl, Map.of("url", "ftp://127.0.0.1/")));
      advertiser.registerService(service(good, Map.of("url", "http://127.0.0.1:8080")));

      await()
          .atMost(DISCOVERY_WAIT)
          .until(
              () ->
                  resolvedRaw.byName.keySet().containsAll(bad)
                      && found.stream().anyMatch(g -> g.name().equals(good)));
      await()
          .during(Duration.ofSeconds(1))
          .atMost(Duration.ofSeconds(2))
          .until(() -> found.stream().noneMatch(g -> bad.contains(g.name())));
      assertThat(browser.current()).noneMatch(g -> bad.contains(g.name()));
    } finally {
      advertiser.close();
      raw.close();
    }
  }

  @Test
  @DisplayName("an address mDNS cannot use gives an inactive browser with a reason, no exception")
  void inactiveWhenMdnsUnavailable() throws Exception {
    InetAddress foreign = InetAddress.getByName("203.0.113.7");
    try (GatewayBrowser browser = GatewayBrowser.start(foreign, g -> {}, g -> {})) {
      assertThat(browser.active()).isFalse();
      assertThat(browser.reason()).isPresent();
      assertThat(browser.reason().get()).contains("203.0.113.7").doesNotContain("\n");
      assertThat(browser.current()).isEmpty();
    }
  }
}
