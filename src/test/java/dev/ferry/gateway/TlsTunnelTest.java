package dev.ferry.gateway;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.client.api.GatewayApi;
import dev.ferry.client.api.GatewayApiException;
import dev.ferry.client.api.GatewayInfo;
import dev.ferry.client.api.ProxyList;
import dev.ferry.client.forward.Forwarder;
import dev.ferry.client.forward.ForwarderListener;
import dev.ferry.client.tls.ClientTls;
import dev.ferry.client.tunnel.GatewayEndpoint;
import dev.ferry.client.tunnel.Tunnel;
import dev.ferry.client.tunnel.TunnelConnector;
import dev.ferry.client.tunnel.TunnelRefusedException;
import dev.ferry.gateway.config.TlsSettings;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.LoopbackClient;
import dev.ferry.testkit.Streams;
import dev.ferry.testkit.TcpTarget;
import dev.ferry.testkit.ThrowawayCa;
import dev.ferry.testkit.TunnelRefusals;
import dev.ferry.tunnel.TunnelError;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway serving TLS itself ({@code gateway.tls}) on a throwaway CA, and what the client
 * trusts (DESIGN §2: system CAs plus {@code --ca-file}): tunnels over wss and the https API work
 * with the CA, and every certificate that does not verify is refused, promptly, with a message that
 * says why.
 */
@Timeout(60)
class TlsTunnelTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();

  /** Bytes each way through the wss tunnel. */
  static final long SIZE = 4L << 20;

  @TempDir static Path pkiDir;
  static ThrowawayCa pki;

  @BeforeAll
  static void pki() throws Exception {
    pki = ThrowawayCa.writeTo(pkiDir);
  }

  GatewayFixture.Running tlsGateway(TlsSettings tls) throws Exception {
    return fx.gateway().tls(tls).proxy("echo", fx.target(TcpTarget.echo())).start();
  }

  static TunnelRefusedException refused(TunnelConnector connector) throws Exception {
    return TunnelRefusals.expect(connector.open("echo", fx.token(ALICE)), Duration.ofSeconds(20));
  }

  static GatewayApiException apiFailure(GatewayApi api) {
    try {
      GatewayInfo info = api.info();
      throw new AssertionError("the API answered, expected a failure: " + info);
    } catch (GatewayApiException e) {
      return e;
    }
  }

  @Nested
  @DisplayName("with the CA (--ca-file)")
  class Trusted {
    @Test
    @DisplayName("a tunnel over wss carries 4 MiB each way, SHA-256 equal both ways")
    void tunnelCarriesBytesBothWays() throws Exception {
      TcpTarget target = fx.target(TcpTarget.sourceAndDigest(SIZE));
      GatewayFixture.Running gw = fx.gateway().tls(pki.tls()).proxy("bulk", target).start();
      assertThat(gw.url()).startsWith("https://127.0.0.1:");
      assertThat(gw.endpoint().tunnelUri("bulk").getScheme()).isEqualTo("wss");
      Forwarder f =
          fx.forwarder(
              gw.connector(ClientTls.create(pki.caPem())),
              "bulk",
              fx.tokens(fx.token(ALICE)),
              new ForwarderListener() {});
      try (Socket s = LoopbackClient.connect(f.port(), Duration.ofSeconds(30))) {
        CompletableFuture<Void> writer = Streams.writePatternThenShutdown(s, SIZE);
        InputStream in = s.getInputStream();
        byte[] received = Streams.digestExactly(in, SIZE, () -> "over wss");
        byte[] targetDigest = in.readAllBytes();
        writer.get(30, TimeUnit.SECONDS);
        TcpTarget.assertPatternBothWays(received, targetDigest, SIZE);
      }
      assertThat(f.stats().bytesUp()).isEqualTo(SIZE);
    }

    @Test
    @DisplayName("GatewayApi over https answers /v1/info and /v1/proxies")
    void apiAnswers() throws Exception {
      GatewayFixture.Running gw = tlsGateway(pki.tls());
      GatewayApi api = new GatewayApi(gw.endpoint().baseUri(), ClientTls.create(pki.caPem()).jdk());
      assertThat(api.info().name()).isEqualTo("test-gateway");
      assertThat(api.info().protocol()).isEqualTo("ferry.v1");
      ProxyList list = api.proxies(fx.token(ALICE));
      assertThat(list.user()).isEqualTo(ALICE);
      assertThat(list.proxies()).extracting(ProxyList.ProxyInfo::name).containsExactly("echo");
    }

    @Test
    @DisplayName("localhost works as well as 127.0.0.1 (DNS and IP names in the certificate)")
    void byName() throws Exception {
      GatewayFixture.Running gw = tlsGateway(pki.tls());
      GatewayEndpoint byName = GatewayEndpoint.parse("https://localhost:" + gw.port());
      TunnelConnector c = fx.closeAfter(new TunnelConnector(byName, ClientTls.create(pki.caPem())));
      Tunnel t = c.open("echo", fx.token(ALICE)).get(20, TimeUnit.SECONDS);
      t.close();
    }
  }

  @Nested
  @DisplayName("certificates that do not verify")
  class Refused {
    @Test
    @DisplayName("system CAs only: not trusted, pass --ca-file")
    void systemTrustOnly() throws Exception {
      GatewayFixture.Running gw = tlsGateway(pki.tls());
      ClientTls system = ClientTls.create(null);
      TunnelRefusedException e = refused(gw.connector(system));
      assertThat(e.error()).isEqualTo(TunnelError.GATEWAY_UNREACHABLE);
      assertThat(e.detail()).contains("127.0.0.1", "not trusted", "--ca-file");

      GatewayApiException api = apiFailure(new GatewayApi(gw.endpoint().baseUri(), system.jdk()));
      assertThat(api.error()).isEqualTo(TunnelError.GATEWAY_UNREACHABLE);
      assertThat(api.getMessage()).contains("127.0.0.1", "not trusted", "--ca-file");
    }

    @Test
    @DisplayName("issued by another CA than the one in --ca-file: not trusted")
    void otherCa() throws Exception {
      GatewayFixture.Running gw = tlsGateway(pki.untrustedTls());
      ClientTls trust = ClientTls.create(pki.caPem());
      TunnelRefusedException e = refused(gw.connector(trust));
      assertThat(e.error()).isEqualTo(TunnelError.GATEWAY_UNREACHABLE);
      assertThat(e.detail()).contains("127.0.0.1", "not trusted");

      GatewayApiException api = apiFailure(new GatewayApi(gw.endpoint().baseUri(), trust.jdk()));
      assertThat(api.error()).isEqualTo(TunnelError.GATEWAY_UNREACHABLE);
      assertThat(api.getMessage()).contains("127.0.0.1", "not trusted");
    }

    @Test
    @DisplayName("a trusted certificate for another host name: the message names the mismatch")
    void wrongHost() throws Exception {
      GatewayFixture.Running gw = tlsGateway(pki.wrongHostTls());
      ClientTls trust = ClientTls.create(pki.caPem());
      TunnelRefusedException e = refused(gw.connector(trust));
      assertThat(e.error()).isEqualTo(TunnelError.GATEWAY_UNREACHABLE);
      assertThat(e.detail())
          .contains("127.0.0.1", "is for " + ThrowawayCa.WRONG_HOST, "not for this host name")
          .doesNotContain("--ca-file");

      GatewayApiException api = apiFailure(new GatewayApi(gw.endpoint().baseUri(), trust.jdk()));
      assertThat(api.error()).isEqualTo(TunnelError.GATEWAY_UNREACHABLE);
      assertThat(api.getMessage())
          .contains("127.0.0.1", "is for " + ThrowawayCa.WRONG_HOST, "not for this host name")
          .doesNotContain("--ca-file");
    }

    @Test
    @DisplayName("an http:// client on the TLS port fails promptly and says so")
    void plainHttpOnTlsPort() throws Exception {
      GatewayFixture.Running gw = tlsGateway(pki.tls());
      GatewayEndpoint plain = GatewayEndpoint.parse("http://127.0.0.1:" + gw.port());
      TunnelConnector c = fx.closeAfter(new TunnelConnector(plain, null));
      long t0 = System.nanoTime();
      TunnelRefusedException e = refused(c);
      assertThat(e.error()).isEqualTo(TunnelError.BAD_REQUEST);
      assertThat(e.detail()).isEqualTo("this gateway serves TLS only: use an https:// URL");

      GatewayApiException api = apiFailure(new GatewayApi(plain.baseUri(), null));
      assertThat(api.error()).isEqualTo(TunnelError.BAD_REQUEST);
      assertThat(api.getMessage()).isEqualTo("this gateway serves TLS only: use an https:// URL");
      assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(10));
    }

    @Test
    @DisplayName("an https:// client on a plain HTTP gateway fails promptly and says so")
    void tlsOnPlainPort() throws Exception {
      GatewayFixture.Running gw = fx.gateway().proxy("echo", fx.target(TcpTarget.echo())).start();
      GatewayEndpoint tls = GatewayEndpoint.parse("https://127.0.0.1:" + gw.port());
      ClientTls trust = ClientTls.create(pki.caPem());
      TunnelConnector c = fx.closeAfter(new TunnelConnector(tls, trust));
      TunnelRefusedException e = refused(c);
      assertThat(e.error()).isEqualTo(TunnelError.GATEWAY_UNREACHABLE);
      assertThat(e.detail())
          .isEqualTo(
              "gateway 127.0.0.1 did not answer with TLS; if it serves plain HTTP, use an http://"
                  + " URL");

      GatewayApiException api = apiFailure(new GatewayApi(tls.baseUri(), trust.jdk()));
      assertThat(api.error()).isEqualTo(TunnelError.GATEWAY_UNREACHABLE);
      assertThat(api.getMessage())
          .contains("gateway 127.0.0.1:" + gw.port() + " did not answer with TLS", "http://");
    }
  }

  @Nested
  @DisplayName("the gateway's own files")
  class ServerFiles {
    @TempDir Path dir;

    @Test
    void missingKey() throws Exception {
      TlsSettings tls = new TlsSettings(pki.tls().cert(), dir.resolve("nope.key"));
      assertThatThrownBy(() -> tlsGateway(tls))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("TLS key " + dir.resolve("nope.key") + ": no such file");
    }

    @Test
    void keyDoesNotMatchCertificate() throws Exception {
      TlsSettings tls = new TlsSettings(pki.tls().cert(), pki.untrustedTls().key());
      assertThatThrownBy(() -> tlsGateway(tls))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "TLS key "
                  + pki.untrustedTls().key()
                  + " does not belong to the certificate in "
                  + pki.tls().cert());
    }

    @Test
    void notPem() throws Exception {
      Path junk = Files.writeString(dir.resolve("junk.pem"), "not a certificate\n");
      TlsSettings tls = new TlsSettings(junk, pki.tls().key());
      assertThatThrownBy(() -> tlsGateway(tls))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("cannot read TLS certificate " + junk);
    }
  }
}
