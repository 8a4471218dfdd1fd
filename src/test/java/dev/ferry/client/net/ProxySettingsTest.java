package dev.ferry.client.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProxySettingsTest {
  static final String PROXY = "http://proxy.corp:3128";

  static ProxySettings.Route route(Map<String, String> env, String url) {
    return ProxySettings.fromEnvironment(env).route(URI.create(url));
  }

  @Nested
  @DisplayName("which variable applies (curl's names and order)")
  class Variables {
    @Test
    @DisplayName("https and wss use https_proxy before HTTPS_PROXY; http and ws use http_proxy")
    void schemes() {
      Map<String, String> env =
          Map.of(
              "https_proxy", "http://lower:1",
              "HTTPS_PROXY", "http://upper:2",
              "HTTP_PROXY", "http://plain:3");
      assertThat(route(env, "https://gw.example").proxy().host()).isEqualTo("lower");
      assertThat(route(env, "wss://gw.example/v1/tunnel/x").proxy().source())
          .isEqualTo("https_proxy");
      assertThat(route(env, "http://gw.example").proxy().host()).isEqualTo("plain");
      assertThat(route(env, "ws://gw.example").proxy().source()).isEqualTo("HTTP_PROXY");
      assertThat(route(Map.of("HTTP_PROXY", PROXY), "https://gw.example").direct()).isTrue();
    }

    @Test
    @DisplayName("empty values count as unset; no variable means direct")
    void empty() {
      assertThat(route(Map.of("https_proxy", " ", "HTTPS_PROXY", PROXY), "https://a.b").proxy())
          .isNotNull();
      ProxySettings.Route none = route(Map.of(), "https://a.b");
      assertThat(none.direct()).isTrue();
      assertThat(none.why()).contains("HTTPS_PROXY");
    }

    @Test
    @DisplayName("URL forms: no scheme, default port 1080, credentials percent-decoded")
    void urlForms() {
      ProxySettings.HttpProxy p = ProxySettings.parse("HTTPS_PROXY", "proxy.corp");
      assertThat(p.host()).isEqualTo("proxy.corp");
      assertThat(p.port()).isEqualTo(1080);
      assertThat(p.hasCredentials()).isFalse();
      ProxySettings.HttpProxy c =
          ProxySettings.parse("HTTPS_PROXY", "http://al%40ice:p%3Ass+w@[::1]:3128/");
      assertThat(c.host()).isEqualTo("::1");
      assertThat(c.port()).isEqualTo(3128);
      assertThat(c.user()).isEqualTo("al@ice");
      assertThat(c.password()).isEqualTo("p:ss+w");
      assertThat(c.toString()).doesNotContain("p:ss").contains("[::1]:3128", "HTTPS_PROXY");
      assertThat(ProxySettings.fromEnvironment(Map.of("HTTPS_PROXY", "http://u:secret@p:1")))
          .asString()
          .doesNotContain("secret");
    }

    @ParameterizedTest
    @CsvSource({"socks5://proxy:1080, socks5", "https://proxy:443, https"})
    @DisplayName("proxies other than http:// are refused, naming the variable")
    void unsupported(String url, String scheme) {
      assertThatThrownBy(() -> ProxySettings.fromEnvironment(Map.of("HTTPS_PROXY", url)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("HTTPS_PROXY")
          .hasMessageContaining(scheme + "://");
    }
  }

  @ParameterizedTest(name = "NO_PROXY={0}, host {1}: proxied={2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "example.com            | example.com          | false",
        "example.com            | api.example.com      | false",
        ".example.com           | example.com          | false",
        ".example.com           | a.b.example.com      | false",
        "example.com            | notexample.com       | true",
        "example.com:8443       | example.com          | false",
        "EXAMPLE.com            | Example.COM          | false",
        "'a.org, example.com'   | x.example.com        | false",
        "'a.org example.com'    | x.example.com        | false",
        "*                      | anything.net         | false",
        "*.example.com          | x.example.com        | true",
        "10.0.0.0/8             | 10.1.2.3             | false",
        "10.0.0.0/8             | 11.1.2.3             | true",
        "192.168.1.5            | 192.168.1.5          | false",
        "192.168.1.5            | 192.168.1.50         | true",
        "'[fd00::1]:443'        | '[fd00::1]'          | false",
        "fd00::/8               | '[fd12::3]'          | false",
        "''                     | example.com          | true",
      })
  void noProxy(String noProxy, String host, boolean proxied) {
    Map<String, String> env = Map.of("HTTPS_PROXY", PROXY, "NO_PROXY", noProxy);
    ProxySettings.Route r = route(env, "https://" + host + ":443/");
    assertThat(r.direct()).as(r.why()).isEqualTo(!proxied);
  }

  @ParameterizedTest
  @CsvSource({"localhost", "app.localhost", "127.0.0.1", "127.1.2.3", "'[::1]'"})
  @DisplayName("loopback is never proxied, without a NO_PROXY entry")
  void loopback(String host) {
    ProxySettings.Route r = route(Map.of("HTTPS_PROXY", PROXY), "https://" + host + ":8443/");
    assertThat(r.direct()).isTrue();
    assertThat(r.why()).contains("loopback");
  }

  @Test
  @DisplayName("no_proxy wins over NO_PROXY and the reason names the entry")
  void reason() {
    Map<String, String> env =
        Map.of("HTTPS_PROXY", PROXY, "no_proxy", ".corp.example", "NO_PROXY", "other");
    assertThat(route(env, "https://gw.corp.example").why())
        .isEqualTo("no_proxy entry corp.example matches");
    assertThat(route(env, "https://other").direct()).isFalse();
  }

  @Test
  @DisplayName("the OS settings (a ProxySelector) are asked only when no variable is set")
  void systemFallback() {
    ProxySelector os =
        new ProxySelector() {
          @Override
          public List<Proxy> select(URI uri) {
            return List.of(
                new Proxy(
                    Proxy.Type.HTTP,
                    java.net.InetSocketAddress.createUnresolved("os-proxy", 8080)));
          }

          @Override
          public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}
        };
    ProxySettings.Route r = ProxySettings.of(Map.of(), os).route(URI.create("wss://gw.example"));
    assertThat(r.proxy().address()).isEqualTo("os-proxy:8080");
    assertThat(r.why()).isEqualTo("OS proxy settings");
    assertThat(
            ProxySettings.of(Map.of("NO_PROXY", "gw.example"), os)
                .route(URI.create("wss://gw.example"))
                .direct())
        .isTrue();
    assertThat(
            ProxySettings.of(Map.of("HTTPS_PROXY", PROXY), os)
                .route(URI.create("wss://gw.example"))
                .proxy()
                .host())
        .isEqualTo("proxy.corp");
    assertThat(ProxySettings.of(Map.of(), os).route(URI.create("wss://127.0.0.1")).direct())
        .isTrue();
  }
}
