package dev.ferry.client.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The matching rules of the gateway's cookie jar, on the URIs the client really uses (wss:// for
 * tunnels, https:// for the API). The jar on real connections: {@code AffinityResumeTest}.
 */
class GatewayCookiesTest {
  static final URI TUNNEL = URI.create("wss://ferry.example.com/v1/tunnel/orders-db");
  static final URI API = URI.create("https://ferry.example.com/v1/proxies");

  @Test
  @DisplayName("a cookie set on a tunnel's 101 goes with the API calls, and the other way round")
  void tunnelsAndApiShare() {
    GatewayCookies jar = new GatewayCookies();
    jar.received(TUNNEL, List.of("GAESA=abc123; Path=/; HttpOnly"));
    assertThat(jar.header(API)).isEqualTo("GAESA=abc123");
    assertThat(jar.header(TUNNEL)).isEqualTo("GAESA=abc123");
    assertThat(jar.header(URI.create("https://ferry.example.com/"))).isEqualTo("GAESA=abc123");
  }

  @Test
  @DisplayName("Secure cookies go over wss and https only, never ws or http")
  void secureOnlyOverTls() {
    GatewayCookies jar = new GatewayCookies();
    jar.received(TUNNEL, List.of("AWSALB=xyz; Path=/; Secure"));
    assertThat(jar.header(TUNNEL)).isEqualTo("AWSALB=xyz");
    assertThat(jar.header(URI.create("ws://ferry.example.com/v1/tunnel/orders-db"))).isNull();
    assertThat(jar.header(URI.create("http://ferry.example.com/v1/info"))).isNull();
  }

  @Test
  @DisplayName("ingress-nginx's Max-Age cookie goes back as name=value, not RFC 2965 quoted")
  void maxAgeCookieIsSentPlain() {
    GatewayCookies jar = new GatewayCookies();
    jar.received(
        TUNNEL, List.of("INGRESSCOOKIE=1701234567.1.42.abcdef; Path=/; Max-Age=172800; HttpOnly"));
    assertThat(jar.header(TUNNEL)).isEqualTo("INGRESSCOOKIE=1701234567.1.42.abcdef");
  }

  @Test
  @DisplayName("a cookie's Path is respected; expired and foreign-domain cookies are not kept")
  void pathExpiryAndDomain() {
    GatewayCookies jar = new GatewayCookies();
    jar.received(TUNNEL, List.of("a=1; Path=/v1/tunnel", "b=2; Path=/admin"));
    jar.received(TUNNEL, List.of("c=3; Path=/; Max-Age=0"));
    jar.received(TUNNEL, List.of("d=4; Path=/; Domain=other.example.org"));
    assertThat(jar.header(TUNNEL)).isEqualTo("a=1");
    assertThat(jar.header(URI.create("https://ferry.example.com/v1/info"))).isNull();
  }

  @Test
  @DisplayName("a later Set-Cookie replaces the earlier value; the jar never shows values")
  void replacedAndNeverShown() {
    GatewayCookies jar = new GatewayCookies();
    jar.received(TUNNEL, List.of("GAESA=first; Path=/"));
    jar.received(API, List.of("GAESA=second; Path=/"));
    assertThat(jar.header(TUNNEL)).isEqualTo("GAESA=second");
    assertThat(jar.size()).isEqualTo(1);
    assertThat(jar.toString()).doesNotContain("second").contains("1");
  }

  @Test
  @DisplayName("none() keeps nothing; a malformed Set-Cookie is skipped")
  void noneAndMalformed() {
    GatewayCookies none = GatewayCookies.none();
    none.received(TUNNEL, List.of("GAESA=abc; Path=/"));
    assertThat(none.header(TUNNEL)).isNull();
    GatewayCookies jar = new GatewayCookies();
    jar.received(TUNNEL, List.of("=; ;", "ok=1; Path=/"));
    assertThat(jar.header(TUNNEL)).isEqualTo("ok=1");
  }

  @Test
  @DisplayName("ws/wss map to http/https, the rest of the URI kept")
  void httpUri() {
    assertThat(GatewayCookies.httpUri(URI.create("wss://h:8443/p/v1/tunnel/x%2Fy")))
        .isEqualTo(URI.create("https://h:8443/p/v1/tunnel/x%2Fy"));
    assertThat(GatewayCookies.httpUri(URI.create("ws://[::1]:80/v1/tunnel/x")))
        .isEqualTo(URI.create("http://[::1]:80/v1/tunnel/x"));
    assertThat(GatewayCookies.httpUri(API)).isSameAs(API);
  }
}
