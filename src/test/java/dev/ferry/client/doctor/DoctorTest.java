package dev.ferry.client.doctor;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.client.auth.StaticTokenSource;
import dev.ferry.client.net.ProxySettings;
import dev.ferry.testkit.ConnectProxy;
import dev.ferry.testkit.ForgedTokens;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.TcpTarget;
import dev.ferry.testkit.ThrowawayCa;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@link Doctor} against real gateways, a real OIDC provider and a real CONNECT proxy. */
@Timeout(120)
class DoctorTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  @TempDir static Path pkiDir;
  static ThrowawayCa pki;

  @BeforeAll
  static void setUp() throws Exception {
    pki = ThrowawayCa.writeTo(pkiDir);
    fx.warmProvider();
  }

  record Run(List<Check> checks, List<Check> reported) {
    Check get(String name) {
      return checks.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    List<String> names() {
      return checks.stream().map(Check::name).toList();
    }

    String describe() {
      StringBuilder b = new StringBuilder();
      checks.forEach(c -> b.append(c).append('\n'));
      return b.toString();
    }
  }

  static Run run(String url, Path ca, ProxySettings proxies, String token, Duration idle)
      throws Exception {
    Supplier<dev.ferry.client.auth.TokenSource> tokens =
        () -> new StaticTokenSource(token, "a test token");
    List<Check> reported = new CopyOnWriteArrayList<>();
    List<Check> checks =
        new Doctor(
                new DoctorSettings(url, "--gateway", ca, proxies, tokens, idle), Clock.systemUTC())
            .run(reported::add);
    return new Run(checks, reported);
  }

  GatewayFixture.Running echoGateway() throws Exception {
    return fx.gateway().proxy("echo", fx.target(TcpTarget.echo())).start();
  }

  @Test
  @DisplayName("a healthy gateway: every check passes, in order, reported as they finish")
  void healthy() throws Exception {
    GatewayFixture.Running gw = echoGateway();
    Run r = run(gw.url(), null, ProxySettings.none(), fx.token(ALICE), Duration.ofSeconds(1));
    assertThat(r.names()).containsExactlyElementsOf(Doctor.ORDER);
    assertThat(r.reported()).isEqualTo(r.checks());
    for (Check c : r.checks()) {
      assertThat(c.status()).as(r.describe()).isIn(Check.Status.PASS, Check.Status.SKIP);
    }
    assertThat(r.get("tls").status()).isEqualTo(Check.Status.SKIP); // http gateway
    assertThat(r.get("info").summary()).contains("test-gateway", "ferry.v1 supported");
    assertThat(r.get("token").summary()).contains("a test token", fx.issuer());
    assertThat(r.get("proxies").summary()).contains(ALICE, "1 proxy reachable");
    assertThat(r.get("idle").summary()).contains("stayed open 1s");
    assertThat(r.describe()).doesNotContain(fx.token(ALICE).substring(0, 20));
    assertThat(gw.audit()).isEmpty(); // the probe opened no session and no upstream
  }

  @Test
  @DisplayName("nothing listening: TCP fails with a fix, later checks are skipped")
  void nothingListening() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Run r = run("http://127.0.0.1:" + port, null, ProxySettings.none(), "x", Duration.ofSeconds(1));
    Check tcp = r.get("tcp");
    assertThat(tcp.status()).isEqualTo(Check.Status.FAIL);
    assertThat(tcp.summary()).contains("127.0.0.1:" + port, "connection refused");
    assertThat(tcp.fix()).contains("is the gateway running", String.valueOf(port));
    assertThat(r.get("dns").status()).isEqualTo(Check.Status.PASS);
    for (String later : List.of("tls", "info", "token", "proxies", "websocket", "idle")) {
      assertThat(r.get(later).status()).isEqualTo(Check.Status.SKIP);
    }
  }

  @Test
  @DisplayName("no gateway URL: the first check fails and says how to give one")
  void noGateway() throws Exception {
    Run r = run(null, null, ProxySettings.none(), "x", Duration.ZERO);
    assertThat(r.get("gateway").status()).isEqualTo(Check.Status.FAIL);
    assertThat(r.get("gateway").fix()).contains("--gateway", "FERRY_GATEWAY");
  }

  @Test
  @DisplayName("TLS: a trusted certificate is described; an untrusted one fails naming why")
  void tls() throws Exception {
    GatewayFixture.Running good =
        fx.gateway().tls(pki.tls()).proxy("echo", fx.target(TcpTarget.echo())).start();
    Run ok = run(good.url(), pki.caPem(), ProxySettings.none(), fx.token(ALICE), Duration.ZERO);
    assertThat(ok.get("tls").status()).as(ok.describe()).isEqualTo(Check.Status.PASS);
    assertThat(ok.get("tls").summary())
        .contains("TLSv1.", "CN=localhost", "Ferry Throwaway Test CA", "expires in")
        .contains("name matches 127.0.0.1", "the CA file " + pki.caPem());
    assertThat(ok.get("websocket").status()).as(ok.describe()).isEqualTo(Check.Status.PASS);
    assertThat(ok.get("idle").status()).isEqualTo(Check.Status.SKIP);

    GatewayFixture.Running bad =
        fx.gateway().tls(pki.untrustedTls()).proxy("echo", fx.target(TcpTarget.echo())).start();
    Run r = run(bad.url(), pki.caPem(), ProxySettings.none(), fx.token(ALICE), Duration.ZERO);
    Check tls = r.get("tls");
    assertThat(tls.status()).isEqualTo(Check.Status.FAIL);
    assertThat(tls.summary()).contains("TLS certificate of 127.0.0.1:" + bad.port(), "not trusted");
    assertThat(tls.fix()).contains("--ca-file");
    assertThat(r.get("info").status()).isEqualTo(Check.Status.SKIP);
  }

  @Test
  @DisplayName("a token that is no JWT fails the token check; a forged one fails at the gateway")
  void badTokens() throws Exception {
    GatewayFixture.Running gw = echoGateway();
    Run garbage = run(gw.url(), null, ProxySettings.none(), "not-a-jwt", Duration.ZERO);
    assertThat(garbage.get("token").status()).isEqualTo(Check.Status.FAIL);
    assertThat(garbage.get("token").summary()).contains("a test token", "not a JWT");
    assertThat(garbage.get("proxies").status()).isEqualTo(Check.Status.SKIP);

    String forged = ForgedTokens.tampered(fx.token(ALICE));
    Run r = run(gw.url(), null, ProxySettings.none(), forged, Duration.ZERO);
    assertThat(r.get("token").status()).isEqualTo(Check.Status.PASS); // looks right from here
    Check proxies = r.get("proxies");
    assertThat(proxies.status()).isEqualTo(Check.Status.FAIL);
    assertThat(proxies.summary()).contains("the gateway refused the token");
    assertThat(proxies.fix()).contains("ferry login");
    assertThat(r.describe()).doesNotContain(forged.substring(0, 20));

    Run foreign =
        run(
            gw.url(),
            null,
            ProxySettings.none(),
            fx.token("other-issuer", "x", Map.of("email", ALICE)),
            Duration.ZERO);
    assertThat(foreign.get("token").status()).isEqualTo(Check.Status.FAIL);
    assertThat(foreign.get("token").summary()).contains("the gateway trusts", fx.issuer());
  }

  @Test
  @DisplayName("through an HTTP CONNECT proxy: all checks pass and the proxy saw the traffic")
  void throughProxy() throws Exception {
    GatewayFixture.Running gw = echoGateway();
    ConnectProxy proxy =
        fx.closeAfter(
            ConnectProxy.start(ConnectProxy.options().host("gateway.invalid", "127.0.0.1")));
    String url = "http://gateway.invalid:" + gw.port();
    ProxySettings env = ProxySettings.fromEnvironment(Map.of("HTTP_PROXY", proxy.url()));
    Run r = run(url, null, env, fx.token(ALICE), Duration.ofSeconds(1));
    for (Check c : r.checks()) {
      assertThat(c.status()).as(r.describe()).isIn(Check.Status.PASS, Check.Status.SKIP);
    }
    assertThat(r.get("dns").summary()).contains("does not resolve here", "resolves it");
    assertThat(r.get("proxy").summary()).contains("proxy 127.0.0.1:" + proxy.port(), "HTTP_PROXY");
    assertThat(r.get("tcp").summary()).contains("through the proxy");
    assertThat(r.get("websocket").summary()).contains("through the proxy");
    // the doctor's TCP check and the WebSocket each asked for a CONNECT; REST went as plain HTTP
    assertThat(proxy.connects())
        .containsExactly("gateway.invalid:" + gw.port(), "gateway.invalid:" + gw.port());
    assertThat(proxy.forwarded())
        .containsExactly("GET " + url + "/v1/info", "GET " + url + "/v1/proxies");
  }

  @Test
  @DisplayName("a path that cuts idle connections fails the idle check and says what to change")
  void idleCut() throws Exception {
    GatewayFixture.Running gw = echoGateway();
    ConnectProxy proxy =
        fx.closeAfter(
            ConnectProxy.start(
                ConnectProxy.options()
                    .host("gateway.invalid", "127.0.0.1")
                    .idleCut(Duration.ofSeconds(1))));
    ProxySettings env = ProxySettings.fromEnvironment(Map.of("HTTP_PROXY", proxy.url()));
    Run r =
        run(
            "http://gateway.invalid:" + gw.port(),
            null,
            env,
            fx.token(ALICE),
            Duration.ofSeconds(4));
    Check idle = r.get("idle");
    assertThat(idle.status()).as(r.describe()).isEqualTo(Check.Status.FAIL);
    assertThat(idle.summary()).contains("the path closed after");
    assertThat(idle.fix()).contains("every 25s", "raise the idle timeout");
    assertThat(proxy.idleCuts()).isNotEmpty();
  }
}
