package dev.ferry.client.net;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.client.api.GatewayApi;
import dev.ferry.client.api.GatewayApiException;
import dev.ferry.client.forward.Forwarder;
import dev.ferry.client.tunnel.GatewayEndpoint;
import dev.ferry.client.tunnel.TunnelConnector;
import dev.ferry.client.tunnel.TunnelRefusedException;
import dev.ferry.testkit.ConnectProxy;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.LoopbackClient;
import dev.ferry.testkit.TcpTarget;
import dev.ferry.tunnel.TunnelError;
import dev.ferry.tunnel.net.Transport;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tunnels and REST calls through a real HTTP proxy on loopback. The gateway is named {@code
 * gateway.invalid}, which only the proxy resolves: a client that went around the proxy would fail.
 */
@Timeout(60)
class ProxiedTunnelTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  static final String NAME = "gateway.invalid";

  GatewayFixture.Running gw;
  GatewayEndpoint byName;

  @BeforeAll
  static void warmIssuer() throws Exception {
    fx.warmProvider();
  }

  @BeforeEach
  void start() throws Exception {
    gw = fx.gateway().proxy("echo", fx.target(TcpTarget.echo())).start();
    byName = GatewayEndpoint.parse("http://" + NAME + ":" + gw.port());
  }

  ConnectProxy proxy(ConnectProxy.Options o) throws Exception {
    return fx.closeAfter(ConnectProxy.start(o.host(NAME, "127.0.0.1")));
  }

  TunnelConnector connector(GatewayEndpoint endpoint, Map<String, String> env) {
    return fx.closeAfter(
        new TunnelConnector(
            endpoint, null, Transport.best(), null, ProxySettings.fromEnvironment(env)));
  }

  static String echo(Forwarder f, String text) throws Exception {
    try (Socket s = LoopbackClient.connect(f.port(), Duration.ofSeconds(20))) {
      byte[] out = text.getBytes(StandardCharsets.UTF_8);
      s.getOutputStream().write(out);
      return new String(s.getInputStream().readNBytes(out.length), StandardCharsets.UTF_8);
    }
  }

  @Test
  @DisplayName("HTTP_PROXY: the tunnel goes through CONNECT, /v1/proxies through the proxy")
  void throughProxy() throws Exception {
    ConnectProxy proxy = proxy(ConnectProxy.options());
    Map<String, String> env = Map.of("HTTP_PROXY", proxy.url());
    TunnelConnector c = connector(byName, env);
    assertThat(c.route().proxy().describe())
        .isEqualTo("proxy 127.0.0.1:" + proxy.port() + " (HTTP_PROXY)");
    Forwarder f = fx.forwarder(c, "echo", fx.tokens(fx.token(ALICE)), null);
    assertThat(echo(f, "one")).isEqualTo("one");
    assertThat(echo(f, "two")).isEqualTo("two");
    assertThat(proxy.connects()).containsExactly(NAME + ":" + gw.port(), NAME + ":" + gw.port());

    GatewayApi api = new GatewayApi(byName.baseUri(), null, ProxySettings.fromEnvironment(env));
    assertThat(api.proxies(fx.token(ALICE)).proxies()).extracting(p -> p.name()).contains("echo");
    assertThat(proxy.forwarded()).containsExactly("GET " + byName.http("/v1/proxies"));
  }

  @Test
  @DisplayName("NO_PROXY naming the gateway: no CONNECT, the client resolves the name itself")
  void noProxyBypass() throws Exception {
    ConnectProxy proxy = proxy(ConnectProxy.options());
    TunnelConnector c =
        connector(byName, Map.of("HTTP_PROXY", proxy.url(), "NO_PROXY", "example.org,.invalid"));
    assertThat(c.route().why()).isEqualTo("NO_PROXY entry invalid matches");
    assertThatThrownBy(() -> c.open("echo", fx.token(ALICE)).get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .hasMessageContaining("unknown host " + NAME);
    assertThat(proxy.connects()).isEmpty();
    assertThat(gw.audit()).isEmpty();
  }

  @Test
  @DisplayName("a loopback gateway is reached directly even with HTTP_PROXY set")
  void loopbackDirect() throws Exception {
    ConnectProxy proxy = proxy(ConnectProxy.options());
    TunnelConnector c = connector(gw.endpoint(), Map.of("HTTP_PROXY", proxy.url()));
    c.open("echo", fx.token(ALICE)).get(30, TimeUnit.SECONDS).close();
    assertThat(proxy.connects()).isEmpty();
  }

  @Test
  @DisplayName("proxy credentials: right ones pass, wrong ones fail naming the proxy and 407")
  void credentials() throws Exception {
    ConnectProxy proxy = proxy(ConnectProxy.options().credentials("carol", "s3cret"));
    TunnelConnector good = connector(byName, Map.of("HTTP_PROXY", proxy.url("carol", "s3cret")));
    good.open("echo", fx.token(ALICE)).get(30, TimeUnit.SECONDS).close();
    assertThat(proxy.connects()).hasSize(1);

    TunnelConnector bad = connector(byName, Map.of("HTTP_PROXY", proxy.url("carol", "wrong")));
    assertThatThrownBy(() -> bad.open("echo", fx.token(ALICE)).get(30, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(TunnelRefusedException.class)
        .hasMessageContaining(
            "proxy 127.0.0.1:"
                + proxy.port()
                + " (HTTP_PROXY) refused CONNECT to "
                + NAME
                + ":"
                + gw.port()
                + ": 407")
        .hasMessageContaining("check the user and password in HTTP_PROXY")
        .satisfies(
            e -> {
              assertThat(((TunnelRefusedException) e).error())
                  .isEqualTo(TunnelError.GATEWAY_UNREACHABLE);
              assertThat(e.getMessage()).doesNotContain("wrong");
            });
    GatewayApi api =
        new GatewayApi(
            byName.baseUri(),
            null,
            ProxySettings.fromEnvironment(Map.of("HTTP_PROXY", proxy.url())));
    assertThatThrownBy(api::info)
        .isInstanceOf(GatewayApiException.class)
        .hasMessageContaining("proxy 127.0.0.1:" + proxy.port() + " (HTTP_PROXY)")
        .hasMessageContaining("407");
    assertThat(proxy.connects()).hasSize(1);
  }

  @Test
  @DisplayName("a proxy that is not listening: the failure names the proxy")
  void proxyDown() throws Exception {
    int port;
    try (ConnectProxy gone = ConnectProxy.start()) {
      port = gone.port();
    }
    TunnelConnector c = connector(byName, Map.of("HTTP_PROXY", "http://127.0.0.1:" + port));
    assertThatThrownBy(() -> c.open("echo", fx.token(ALICE)).get(30, TimeUnit.SECONDS))
        .cause()
        .hasMessage("proxy 127.0.0.1:" + port + " (HTTP_PROXY) unreachable: connection refused");
  }
}
