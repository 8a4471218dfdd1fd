package dev.ferry.client.forward;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static dev.ferry.testkit.LoopbackClient.echo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.client.api.GatewayApi;
import dev.ferry.client.net.GatewayCookies;
import dev.ferry.client.net.ProxySettings;
import dev.ferry.client.tunnel.GatewayEndpoint;
import dev.ferry.client.tunnel.Tunnel;
import dev.ferry.client.tunnel.TunnelConnector;
import dev.ferry.client.tunnel.TunnelRefusedException;
import dev.ferry.testkit.AffinityBalancer;
import dev.ferry.testkit.AffinityBalancer.Routed;
import dev.ferry.testkit.ForwarderEvents;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.LoopbackClient;
import dev.ferry.testkit.Streams;
import dev.ferry.testkit.TcpTarget;
import dev.ferry.tunnel.net.Transport;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Resumes behind a load balancer with cookie affinity in front of two gateway instances (an {@link
 * AffinityBalancer}): the session lives in one instance, so a resume must carry the balancer's
 * cookie back to it. Without the client's cookie jar it lands on the other instance and gets 404.
 */
class AffinityResumeTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();

  @BeforeAll
  static void warmUpProvider() throws Exception {
    fx.warmProvider();
  }

  /** Two instances of one gateway (same config, same provider) behind a balancer. */
  record Pair(GatewayFixture.Running[] gateways, AffinityBalancer lb) {
    GatewayEndpoint endpoint() {
      return GatewayEndpoint.parse("http://127.0.0.1:" + lb.port());
    }
  }

  static Pair pair(GatewayFixture.GatewayBuilder config) throws Exception {
    GatewayFixture.Running a = config.start();
    GatewayFixture.Running b = config.start();
    AffinityBalancer lb = fx.closeAfter(AffinityBalancer.start(a.port(), b.port()));
    return new Pair(new GatewayFixture.Running[] {a, b}, lb);
  }

  static TunnelConnector connector(GatewayEndpoint endpoint, GatewayCookies cookies) {
    return fx.closeAfter(
        new TunnelConnector(endpoint, null, Transport.best(), null, ProxySettings.none(), cookies));
  }

  @Test
  @Timeout(300)
  @DisplayName(
      "cut 5 times behind an affinity balancer: every resume reaches the session's gateway")
  void resumesFollowTheCookie() throws Exception {
    long size = Long.getLong("ferry.affinity.bytes", 16L << 20);
    int cuts = Integer.getInteger("ferry.affinity.cuts", 5);
    TcpTarget target = fx.target(TcpTarget.sourceAndDigest(size));
    Pair p = pair(fx.gateway().proxy("bulk", target));
    TunnelConnector c = connector(p.endpoint(), new GatewayCookies());
    ForwarderEvents rec = new ForwarderEvents();
    Forwarder f = fx.forwarder(c, "bulk", fx.tokens(fx.token(ALICE)), rec);
    AtomicBoolean done = new AtomicBoolean();
    try (Socket s = LoopbackClient.connect(f.port(), Duration.ofSeconds(120))) {
      CompletableFuture<Void> writer = Streams.writePatternThenShutdown(s, size);
      CompletableFuture<Integer> cutting =
          CompletableFuture.supplyAsync(
              () -> {
                int made = 0;
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
                while (made < cuts && !done.get() && System.nanoTime() < deadline) {
                  ForwarderStats st = f.stats();
                  boolean due = st.bytesUp() + st.bytesDown() >= (made + 1) * 2 * size / (cuts + 2);
                  if (due && f.resumes() == made && p.lb().cut() > 0) {
                    made++;
                  } else {
                    ResumeTest.sleep(2);
                  }
                }
                return made;
              });
      byte[] received = Streams.digestExactly(s.getInputStream(), size, () -> "forwarder: " + rec);
      byte[] targetDigest = s.getInputStream().readAllBytes();
      done.set(true);
      writer.get(60, TimeUnit.SECONDS);
      assertThat(cutting.get(60, TimeUnit.SECONDS)).as("cuts made").isEqualTo(cuts);
      TcpTarget.assertPatternBothWays(received, targetDigest, size);
    }
    assertThat(f.resumes()).isEqualTo(cuts);
    assertThat(rec.resumeFailed).isEmpty();

    List<Routed> routed = p.lb().routed();
    // One open, then one resume per cut (more if an attempt had to be retried).
    assertThat(routed).hasSizeGreaterThanOrEqualTo(cuts + 1);
    int holder = routed.get(0).backend();
    assertThat(routed.get(0).byCookie()).isFalse();
    List<Routed> resumes = routed.subList(1, routed.size());
    assertThat(resumes).allSatisfy(r -> assertThat(r.resume()).isTrue());
    long landed = resumes.stream().filter(r -> r.byCookie() && r.backend() == holder).count();
    System.out.printf(
        "affinity: %d of %d resumes reached the session's gateway, 0 SHA-256 mismatches%n",
        landed, resumes.size());
    assertThat(landed).as("resumes routed home by the cookie").isEqualTo(resumes.size());

    GatewayFixture.Running home = p.gateways()[holder];
    GatewayFixture.Running other = p.gateways()[1 - holder];
    JsonNode end = home.awaitOnlySessionEnd(Duration.ofSeconds(30));
    assertThat(end.path("reason").asText()).isEqualTo("completed");
    assertThat(home.resumes("bulk", "ok")).isEqualTo(cuts);
    assertThat(other.audit()).as("the other instance saw nothing").isEmpty();
    assertThat(other.resumes("bulk", "refused")).isZero();
  }

  @Test
  @Timeout(120)
  @DisplayName(
      "without the cookie jar, a resume lands on the other instance: 404 session-not-found")
  void withoutCookiesResumesMiss() throws Exception {
    TcpTarget echo = fx.target(TcpTarget.echo());
    Pair p = pair(fx.gateway().proxy("echo", echo));
    TunnelConnector c = connector(p.endpoint(), GatewayCookies.none());
    ForwarderEvents rec = new ForwarderEvents();
    Forwarder f = fx.forwarder(c, "echo", fx.tokens(fx.token(ALICE)), rec);
    int tries = 3;
    for (int i = 1; i <= tries; i++) {
      try (Socket s = LoopbackClient.connect(f.port(), Duration.ofSeconds(60))) {
        echo(s, "before cut " + i);
        assertThat(p.lb().cut()).isEqualTo(1);
        // The resume is refused for good: the forwarder closes the application's connection.
        assertThat(s.getInputStream().read()).isEqualTo(-1);
      }
      int n = i;
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(rec.resumeFailed).hasSize(n));
    }
    assertThat(rec.resumeFailed)
        .allSatisfy(
            d ->
                assertThat(d)
                    .contains("is unknown, has ended or is not yours")
                    .endsWith(
                        "a load balancer without cookie affinity sent the resume to another"
                            + " instance)"));
    List<Routed> routed = p.lb().routed();
    assertThat(routed).hasSize(2 * tries);
    for (int i = 0; i < tries; i++) {
      Routed open = routed.get(2 * i);
      Routed resume = routed.get(2 * i + 1);
      assertThat(resume.resume()).isTrue();
      assertThat(resume.byCookie()).isFalse();
      assertThat(resume.backend()).as("the other instance").isNotEqualTo(open.backend());
    }
    long refused =
        p.gateways()[0].resumes("echo", "refused") + p.gateways()[1].resumes("echo", "refused");
    System.out.printf(
        "no cookie jar: %d of %d resumes got 404 session-not-found%n",
        rec.resumeFailed.size(), tries);
    assertThat(refused).isEqualTo(tries);
    assertThat(f.resumes()).isZero();
  }

  @Test
  @Timeout(60)
  @DisplayName("a Secure cookie is not sent over plain http; a cookie's Path is respected")
  void secureAndPath() throws Exception {
    TcpTarget echo = fx.target(TcpTarget.echo());
    Pair p = pair(fx.gateway().proxy("echo", echo));
    String token = fx.token(ALICE);

    p.lb().cookieAttributes("Path=/; Secure; HttpOnly");
    TunnelConnector secure = connector(p.endpoint(), new GatewayCookies());
    openAndClose(secure, token);
    openAndClose(secure, token);
    assertThat(secure.cookies().size()).as("kept, but only for https").isEqualTo(1);

    p.lb().cookieAttributes("Path=/elsewhere");
    TunnelConnector elsewhere = connector(p.endpoint(), new GatewayCookies());
    openAndClose(elsewhere, token);
    openAndClose(elsewhere, token);

    p.lb().cookieAttributes("Path=/v1/tunnel");
    TunnelConnector tunnels = connector(p.endpoint(), new GatewayCookies());
    openAndClose(tunnels, token);
    openAndClose(tunnels, token);

    List<Routed> routed = p.lb().routed();
    assertThat(routed)
        .extracting(Routed::byCookie)
        .containsExactly(false, false, false, false, false, true);
    assertThat(routed.get(5).backend()).isEqualTo(routed.get(4).backend());
  }

  @Test
  @Timeout(60)
  @DisplayName("two gateways do not share cookies, even on one host")
  void notSharedBetweenGateways() throws Exception {
    TcpTarget echo = fx.target(TcpTarget.echo());
    GatewayFixture.GatewayBuilder config = fx.gateway().proxy("echo", echo);
    Pair one = pair(config);
    GatewayFixture.Running[] gws = one.gateways();
    Pair two = new Pair(gws, fx.closeAfter(AffinityBalancer.start(gws[0].port(), gws[1].port())));
    String token = fx.token(ALICE);
    // Cookies are not bound to a port: one jar for both would send one's cookie to the other.
    TunnelConnector a = connector(one.endpoint(), new GatewayCookies());
    TunnelConnector b = connector(two.endpoint(), new GatewayCookies());
    openAndClose(a, token);
    openAndClose(a, token);
    openAndClose(b, token);
    assertThat(one.lb().routed()).extracting(Routed::byCookie).containsExactly(false, true);
    assertThat(two.lb().routed()).extracting(Routed::byCookie).containsExactly(false);
  }

  @Test
  @Timeout(60)
  @DisplayName("the HTTP API shares the tunnels' cookie jar, both ways")
  void apiSendsTheCookie() throws Exception {
    TcpTarget echo = fx.target(TcpTarget.echo());
    Pair p = pair(fx.gateway().proxy("echo", echo));
    String token = fx.token(ALICE);
    TunnelConnector c = connector(p.endpoint(), new GatewayCookies());
    URI base = p.endpoint().baseUri();

    new GatewayApi(base, null, ProxySettings.none(), c.cookies()).info();
    openAndClose(c, token);
    // A second client (own connections) on the same jar, as `ferry connect` checks the list.
    assertThat(
            new GatewayApi(base, null, ProxySettings.none(), c.cookies()).proxies(token).proxies())
        .isNotEmpty();

    List<Routed> routed = p.lb().routed();
    assertThat(routed)
        .extracting(Routed::path)
        .containsExactly("/v1/info", "/v1/tunnel/echo", "/v1/proxies");
    assertThat(routed).extracting(Routed::byCookie).containsExactly(false, true, true);
    assertThat(routed).extracting(Routed::backend).containsOnly(routed.get(0).backend());
  }

  @Test
  @Timeout(60)
  @DisplayName("a cookie set on a refusal is kept too")
  void cookieFromRefusal() throws Exception {
    TcpTarget echo = fx.target(TcpTarget.echo());
    Pair p = pair(fx.gateway().proxy("echo", echo));
    String token = fx.token(ALICE);
    TunnelConnector c = connector(p.endpoint(), new GatewayCookies());
    assertThatThrownBy(() -> c.open("nope", token).get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(TunnelRefusedException.class)
        .hasMessageContaining("nope");
    openAndClose(c, token);
    List<Routed> routed = p.lb().routed();
    assertThat(routed).extracting(Routed::byCookie).containsExactly(false, true);
    assertThat(routed.get(1).backend()).isEqualTo(routed.get(0).backend());
  }

  private static void openAndClose(TunnelConnector c, String token) throws Exception {
    Tunnel t = c.open("echo", token).get(30, TimeUnit.SECONDS);
    t.channel().close().sync();
  }
}
