package dev.ferry.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.client.auth.TokenSource;
import dev.ferry.client.forward.Forwarder;
import dev.ferry.client.forward.ForwarderListener;
import dev.ferry.client.tls.ClientTls;
import dev.ferry.client.tunnel.GatewayEndpoint;
import dev.ferry.client.tunnel.Tunnel;
import dev.ferry.client.tunnel.TunnelConnector;
import dev.ferry.gateway.GatewayServer;
import dev.ferry.gateway.audit.AuditLog;
import dev.ferry.gateway.auth.OidcTokenVerifier;
import dev.ferry.gateway.auth.VerifierOptions;
import dev.ferry.gateway.config.AccessRule;
import dev.ferry.gateway.config.AuditSettings;
import dev.ferry.gateway.config.GatewayConfig;
import dev.ferry.gateway.config.IssuerSettings;
import dev.ferry.gateway.config.Limits;
import dev.ferry.gateway.config.ProxyConfig;
import dev.ferry.gateway.config.ServerSettings;
import dev.ferry.gateway.config.Target;
import dev.ferry.gateway.config.TlsSettings;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Boots the real world for a test class: an OIDC provider (mock-oauth2-server on 127.0.0.1), real
 * gateways ({@link GatewayServer} on a free port, the real {@link OidcTokenVerifier}), real TCP
 * targets, and clients. Everything a test creates through it is closed after the test.
 *
 * <pre>
 * &#64;RegisterExtension static final GatewayFixture fx = new GatewayFixture();
 *
 * TcpTarget echo = fx.target(TcpTarget.echo());
 * GatewayFixture.Running gw = fx.gateway().proxy("echo", echo).start();
 * Tunnel t = gw.connector().open("echo", fx.token("alice@example.com")).get();
 * gw.audit();            // parsed audit records
 * gw.metrics();          // Prometheus text
 * </pre>
 */
public final class GatewayFixture
    implements BeforeAllCallback, AfterAllCallback, AfterEachCallback {
  public static final String ISSUER_ID = "ferry";
  public static final String AUDIENCE = "ferry-gateway";

  /** The public client id /v1/info names for `ferry login`. */
  public static final String CLIENT_ID = "ferry-cli";

  public static final String ALICE = "alice@example.com";
  public static final String BOB = "bob@example.com";
  private static final ObjectMapper JSON = new ObjectMapper();

  private MockOAuth2Server oauth;
  private final TestClock verifierClock = new TestClock();
  private final Deque<AutoCloseable> perTest = new ArrayDeque<>();

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    oauth = new MockOAuth2Server();
    oauth.start(InetAddress.getByName("127.0.0.1"), 0);
    // Its first answers are slow (cold start); a verifier's 5 s read timeout should not meet them.
    warmProvider();
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    verifierClock.reset();
    AutoCloseable c;
    while ((c = perTest.pollFirst()) != null) {
      try {
        c.close();
      } catch (Exception e) {
        // best effort: the next resource still gets closed
      }
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    oauth.shutdown();
  }

  /** Closes {@code c} after the current test (last registered, first closed). */
  public <T extends AutoCloseable> T closeAfter(T c) {
    perTest.addFirst(c);
    return c;
  }

  public MockOAuth2Server oauth() {
    return oauth;
  }

  /** The issuer URL, always through 127.0.0.1 (the mock names itself by the request's Host). */
  public String issuer() {
    return issuer(ISSUER_ID);
  }

  public String issuer(String id) {
    return "http://127.0.0.1:" + oauth.baseUrl().port() + "/" + id;
  }

  /**
   * {@link #warmProvider}, under the name some tests still call: a child gateway's 5 s discovery
   * timeout must not meet the provider's slow first answers, or its 30 s cool-down refuses every
   * tunnel of the test.
   */
  public void warmUpIssuer() throws IOException, InterruptedException {
    warmProvider();
  }

  /**
   * The {@code identity:} section of a gateway config file (YAML, lines joined by newlines) that
   * trusts this fixture's provider: issuer, {@link #AUDIENCE} and {@link #CLIENT_ID}.
   */
  public String identityYaml() {
    return String.join(
        "\n",
        "identity:",
        "  issuers:",
        "    - issuer: " + issuer(),
        "      audiences: [" + AUDIENCE + "]",
        "      clientId: " + CLIENT_ID);
  }

  /** The clock the gateway's verifier checks exp/nbf with; reset after each test. */
  public TestClock verifierClock() {
    return verifierClock;
  }

  /**
   * Fetches the provider's discovery document and keys once with a generous timeout: on a loaded
   * machine its first answers can outlast the verifier's 5 s read timeout, which a test with tokens
   * of a few seconds cannot afford.
   */
  public void warmProvider() throws IOException, InterruptedException {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    for (String path : List.of("/.well-known/openid-configuration", "/jwks")) {
      http.send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create(issuer() + path))
              .timeout(Duration.ofSeconds(60))
              .build(),
          java.net.http.HttpResponse.BodyHandlers.discarding());
    }
  }

  /** A valid ID token (1 h) for {@code email} in {@code groups}. */
  public String token(String email, String... groups) {
    Map<String, Object> claims = new HashMap<>();
    claims.put("email", email);
    claims.put("groups", List.of(groups));
    return token(ISSUER_ID, AUDIENCE, claims);
  }

  /**
   * A valid ID token for {@code email} in {@code groups} that lives {@code lifetime} (whole
   * seconds; its exp is truncated to the second, so it has between lifetime − 1 s and lifetime
   * left).
   */
  public String token(String email, Duration lifetime, String... groups) {
    Map<String, Object> claims = new HashMap<>();
    claims.put("email", email);
    claims.put("sub", "sub-" + email);
    claims.put("groups", List.of(groups));
    claims.put("aud", List.of(AUDIENCE));
    // anyToken counts the duration's milliseconds as seconds (TOOLCHAIN.md).
    return oauth
        .anyToken(HttpUrl.get(issuer()), claims, Duration.ofMillis(lifetime.toSeconds()))
        .serialize();
  }

  /** A token from issuer {@code issuerId} for {@code audience} with these claims (1 h). */
  public String token(String issuerId, String audience, Map<String, ?> claims) {
    Map<String, Object> all = new HashMap<>(claims);
    all.putIfAbsent("sub", "sub-" + claims.get("email"));
    all.put("aud", List.of(audience));
    // anyToken counts the duration's milliseconds as seconds (TOOLCHAIN.md): one hour.
    return oauth.anyToken(HttpUrl.get(issuer(issuerId)), all, Duration.ofMillis(3600)).serialize();
  }

  /** A token source that hands out {@code tokens} in turn (the last one forever). */
  public CountingTokenSource tokens(String... tokens) {
    return new CountingTokenSource(List.of(tokens));
  }

  /**
   * Starts a forwarder on 127.0.0.1 (a free port) to {@code proxy} through {@code connector};
   * closed after the test. {@code listener} may be null.
   */
  public Forwarder forwarder(
      TunnelConnector connector, String proxy, TokenSource tokens, ForwarderListener listener)
      throws InterruptedException {
    Forwarder f = closeAfter(new Forwarder(connector, proxy, tokens, "127.0.0.1", 0, listener));
    f.start();
    return f;
  }

  /**
   * A plain-HTTP connector that reaches the gateway through {@code proxy} (which can cut and refuse
   * its WebSockets); closed after the test.
   */
  public TunnelConnector connectorVia(CuttingProxy proxy) {
    return closeAfter(
        new TunnelConnector(GatewayEndpoint.parse("http://127.0.0.1:" + proxy.port()), null));
  }

  /** Starts a TCP target closed after the test. */
  public TcpTarget target(TcpTarget.Behavior behavior) throws IOException {
    return closeAfter(TcpTarget.start(behavior));
  }

  public GatewayBuilder gateway() {
    return new GatewayBuilder();
  }

  /** Starts a gateway with {@code config} as it is (for configs loaded from a file). */
  public Running start(GatewayConfig config) throws Exception {
    return new Running(config, VerifierOptions.MAX_CLOCK_SKEW);
  }

  /** Limits with no caps, long timeouts, a 5 s connect timeout, sessions not bound to tokens. */
  public static Limits relaxed() {
    return new Limits(
        0, 0, Duration.ofMinutes(30), Duration.ofHours(12), Duration.ofSeconds(5), false);
  }

  /** Configures and starts one gateway. */
  public final class GatewayBuilder {
    private final List<ProxyConfig> proxies = new ArrayList<>();
    private TlsSettings tls;
    private List<String> origins = List.of();
    private List<String> audiences = List.of(AUDIENCE);
    private Duration handshakeTimeout = ServerSettings.DEFAULT_HANDSHAKE_TIMEOUT;
    private int maxPendingHandshakes = ServerSettings.DEFAULT_MAX_PENDING_HANDSHAKES;

    /** The pre-authentication deadline and cap on pending handshakes (defaults 10 s, 1024). */
    public GatewayBuilder handshakeLimits(Duration timeout, int maxPending) {
      this.handshakeTimeout = timeout;
      this.maxPendingHandshakes = maxPending;
      return this;
    }

    /** A proxy exactly as given. */
    public GatewayBuilder proxy(ProxyConfig proxy) {
      proxies.add(proxy);
      return this;
    }

    private Duration clockSkew = VerifierOptions.MAX_CLOCK_SKEW;

    /** A proxy alice (and group dba) may reach, with {@link #relaxed()} limits. */
    public GatewayBuilder proxy(String name, TcpTarget target) {
      return proxy(name, target.address(), relaxed());
    }

    public GatewayBuilder proxy(String name, TcpTarget target, Limits limits) {
      return proxy(name, target.address(), limits);
    }

    public GatewayBuilder proxy(String name, String target, Limits limits) {
      return proxy(name, target, limits, new AccessRule(Set.of(ALICE), Set.of("dba")));
    }

    public GatewayBuilder proxy(String name, String target, Limits limits, AccessRule allow) {
      proxies.add(
          new ProxyConfig(
              name,
              "test proxy " + name,
              Target.parse(target),
              "tcp",
              List.of("test"),
              allow,
              limits));
      return this;
    }

    public GatewayBuilder tls(TlsSettings tls) {
      this.tls = tls;
      return this;
    }

    /**
     * The audiences the gateway accepts (default {@link #AUDIENCE}); add {@link #CLIENT_ID} to
     * accept the ID tokens `ferry login` obtains.
     */
    public GatewayBuilder audiences(String... audiences) {
      this.audiences = List.of(audiences);
      return this;
    }

    /**
     * Also accepts ID tokens issued to the login client, which is what a browser sign-in yields (as
     * with Google, where the audience is the client id).
     */
    public GatewayBuilder acceptLoginTokens() {
      this.audiences = List.of(AUDIENCE, CLIENT_ID);
      return this;
    }

    /** The verifier's leeway on exp/nbf (default 60 s); short-token tests shrink it. */
    public GatewayBuilder clockSkew(Duration skew) {
      this.clockSkew = skew;
      return this;
    }

    public GatewayBuilder allowedOrigins(String... origins) {
      this.origins = List.of(origins);
      return this;
    }

    public GatewayConfig config() {
      return new GatewayConfig(
          new ServerSettings(
              "test-gateway",
              "127.0.0.1",
              0,
              null,
              tls,
              origins,
              handshakeTimeout,
              maxPendingHandshakes),
          List.of(
              new IssuerSettings(
                  issuer(), audiences, CLIENT_ID, List.of("openid", "email"), null, null)),
          new AuditSettings(null),
          proxies);
    }

    public Running start() throws Exception {
      return new Running(config(), clockSkew);
    }
  }

  /** A started gateway and what a test inspects of it. */
  public final class Running implements AutoCloseable {
    private final GatewayServer server;
    private final OidcTokenVerifier verifier;
    private final PrometheusMeterRegistry registry =
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<String> auditLines = new CopyOnWriteArrayList<>();
    private final InetSocketAddress address;
    private final GatewayEndpoint endpoint;
    private TunnelConnector connector;
    private boolean stopped;

    Running(GatewayConfig config, Duration clockSkew) throws Exception {
      verifier =
          new OidcTokenVerifier(
              config.issuers(),
              VerifierOptions.defaults().withClock(verifierClock).withClockSkew(clockSkew));
      AuditLog audit = new AuditLog(Clock.systemUTC(), List.of(auditLines::add));
      server = new GatewayServer(config, 0, verifier, registry, audit, Clock.systemUTC());
      address = server.start();
      endpoint = GatewayEndpoint.parse(server.scheme() + "://127.0.0.1:" + address.getPort());
      closeAfter(this);
    }

    public GatewayServer server() {
      return server;
    }

    /** Runs the verifier's discovery and first key fetch now (see {@link #warmProvider}). */
    public Running warmUp() throws Exception {
      warmProvider();
      verifier.warmUp().get(60, java.util.concurrent.TimeUnit.SECONDS);
      return this;
    }

    public int port() {
      return address.getPort();
    }

    /** http(s)://127.0.0.1:PORT */
    public String url() {
      return endpoint.baseUri().toString();
    }

    public GatewayEndpoint endpoint() {
      return endpoint;
    }

    public PrometheusMeterRegistry registry() {
      return registry;
    }

    /** Opens a tunnel to {@code proxy} through {@link #connector()}, waiting at most 20 s. */
    public Tunnel open(String proxy, String token) throws Exception {
      return connector().open(proxy, token).get(20, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** A connector to this gateway (plain HTTP; use {@link #connector(ClientTls)} for TLS). */
    public synchronized TunnelConnector connector() {
      if (connector == null) {
        connector = connector(null);
      }
      return connector;
    }

    public TunnelConnector connector(ClientTls tls) {
      return closeAfter(new TunnelConnector(endpoint, tls));
    }

    public List<String> auditLines() {
      return List.copyOf(auditLines);
    }

    /** Audit records parsed, in order. */
    public List<JsonNode> audit() {
      List<JsonNode> out = new ArrayList<>();
      for (String line : auditLines) {
        try {
          out.add(JSON.readTree(line));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return out;
    }

    /** Audit records of one event type. */
    public List<JsonNode> audit(String event) {
      return audit().stream().filter(n -> n.path("event").asText().equals(event)).toList();
    }

    /**
     * Waits (at most {@code bound}) for the session.end record of the one session this gateway
     * started, checks that it started just that one, and returns the end record.
     */
    public JsonNode awaitOnlySessionEnd(Duration bound) {
      await().atMost(bound).untilAsserted(() -> assertThat(audit("session.end")).hasSize(1));
      assertThat(audit("session.start")).hasSize(1);
      return audit("session.end").get(0);
    }

    public String metrics() {
      return registry.scrape();
    }

    /**
     * {@code ferry_session_resumes_total{proxy,result}} right now (result: ok, refused, timeout).
     */
    public long resumes(String proxy, String result) {
      return (long)
          metric("ferry_session_resumes_total{proxy=\"" + proxy + "\",result=\"" + result + "\"}");
    }

    /**
     * One series of the scrape right now, named with its labels exactly as scraped ({@code
     * ferry_sessions_waiting{proxy="echo"}}); 0 when absent.
     */
    public double metric(String series) {
      String prefix = series + " ";
      return metrics()
          .lines()
          .filter(l -> l.startsWith(prefix))
          .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
          .sum();
    }

    /** Drains with {@code deadline} and waits for the event loops. */
    public void stop(Duration deadline) throws InterruptedException {
      if (!stopped) {
        stopped = true;
        server.stop(deadline);
        server.awaitTermination();
      }
    }

    @Override
    public void close() throws Exception {
      stop(Duration.ofMillis(300));
      verifier.close();
    }
  }

  /** A {@link TokenSource} for tests: fixed tokens, counting calls and invalidations. */
  public static final class CountingTokenSource implements TokenSource {
    private final List<String> tokens;
    private final AtomicInteger calls = new AtomicInteger();
    private final List<String> invalidated = new CopyOnWriteArrayList<>();

    CountingTokenSource(List<String> tokens) {
      this.tokens = tokens;
    }

    @Override
    public String token() {
      int i = calls.getAndIncrement();
      return tokens.get(Math.min(i, tokens.size() - 1));
    }

    @Override
    public void invalidate(String token) {
      invalidated.add(token);
    }

    @Override
    public String describe() {
      return "test tokens";
    }

    public int calls() {
      return calls.get();
    }

    public List<String> invalidated() {
      return invalidated;
    }
  }
}
