package dev.ferry.client.doctor;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import dev.ferry.client.api.GatewayApi;
import dev.ferry.client.api.GatewayApiException;
import dev.ferry.client.api.GatewayInfo;
import dev.ferry.client.api.ProxyList;
import dev.ferry.client.auth.TokenSource;
import dev.ferry.client.net.GatewayCookies;
import dev.ferry.client.net.ProxySettings;
import dev.ferry.client.tls.ClientTls;
import dev.ferry.client.tunnel.GatewayEndpoint;
import dev.ferry.tunnel.Protocol;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * {@code ferry doctor}: checks, in order, everything between this machine and a working tunnel and
 * says what is wrong in plain words. Each check reports as soon as it is done; a failed check skips
 * those that depend on it. No token is ever printed.
 *
 * <pre>
 * List&lt;Check&gt; checks = new Doctor(settings, Clock.systemUTC()).run(line -&gt; print(line));
 * </pre>
 */
public final class Doctor {
  /** Certificates expiring sooner than this are pointed out (the check still passes). */
  static final Duration EXPIRY_WARNING = Duration.ofDays(14);

  private final DoctorSettings settings;
  private final Clock clock;
  private final List<Check> checks = new ArrayList<>();
  private Consumer<Check> report = c -> {};

  private GatewayEndpoint endpoint;
  private ClientTls tls;
  private ProxySettings.HttpProxy via;
  private GatewayApi api;

  /** The gateway's cookies: a load balancer's affinity cookie from /v1/info goes to the probe. */
  private final GatewayCookies cookies = new GatewayCookies();

  private GatewayInfo info;
  private String token;

  public Doctor(DoctorSettings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
  }

  /** Runs every check in order, handing each to {@code report} when done. */
  public List<Check> run(Consumer<Check> report) throws InterruptedException {
    this.report = report;
    boolean ok = gateway() && dns() && proxy() && tcpAndTls() && info() && token() && proxies();
    if (ok) {
      webSocket();
    }
    // Checks run in ORDER and stop at the first failure: what is missing is skipped, in order.
    for (String name : ORDER) {
      if (checks.stream().noneMatch(c -> c.name().equals(name))) {
        add(Check.skip(name, "not checked: an earlier check failed"));
      }
    }
    return List.copyOf(checks);
  }

  static final List<String> ORDER =
      List.of(
          "gateway", "dns", "proxy", "tcp", "tls", "info", "token", "proxies", "websocket", "idle");

  private boolean add(Check c) {
    checks.add(c);
    report.accept(c);
    return !c.failed();
  }

  private boolean gateway() {
    if (settings.gatewayUrl() == null) {
      return add(
          Check.fail(
              "gateway",
              "no gateway URL",
              "pass --gateway URL, set FERRY_GATEWAY, or sign in once with ferry login --gateway"
                  + " URL"));
    }
    try {
      endpoint = GatewayEndpoint.parse(settings.gatewayUrl());
    } catch (IllegalArgumentException e) {
      return add(Check.fail("gateway", e.getMessage(), "use http(s)://host[:port]"));
    }
    try {
      via = settings.proxies().route(endpoint.tunnelUri("x")).proxy();
      tls = endpoint.tls() ? ClientTls.create(settings.caFile()) : null;
    } catch (IOException e) {
      return add(Check.fail("gateway", e.getMessage(), "fix or drop --ca-file / FERRY_CA_FILE"));
    }
    api =
        new GatewayApi(
            endpoint.baseUri(), tls == null ? null : tls.jdk(), settings.proxies(), cookies);
    return add(Check.pass("gateway", endpoint + " (from " + settings.gatewaySource() + ")"));
  }

  private boolean dns() {
    long start = System.nanoTime();
    try {
      InetAddress[] all = InetAddress.getAllByName(endpoint.host());
      String list =
          Arrays.stream(all).map(InetAddress::getHostAddress).collect(Collectors.joining(", "));
      return add(
          Check.pass(
              "dns",
              endpoint.host() + " resolves to " + list + " (" + millisSince(start) + " ms)"));
    } catch (UnknownHostException e) {
      if (via != null) {
        return add(
            Check.pass(
                "dns",
                endpoint.host()
                    + " does not resolve here; fine, "
                    + via.describe()
                    + " resolves it"));
      }
      return add(
          Check.fail(
              "dns",
              endpoint.host() + " does not resolve (" + millisSince(start) + " ms)",
              "check the gateway's name for typos; on a company network you may need its VPN, or"
                  + " HTTPS_PROXY"));
    }
  }

  private boolean proxy() {
    ProxySettings.Route route = settings.proxies().route(endpoint.tunnelUri("x"));
    if (route.direct()) {
      return add(Check.pass("proxy", "none: connecting directly (" + route.why() + ")"));
    }
    return add(
        Check.pass(
            "proxy",
            "through "
                + route.proxy().describe()
                + (route.proxy().hasCredentials() ? ", as " + route.proxy().user() : "")));
  }

  private boolean tcpAndTls() {
    long start = System.nanoTime();
    Socket socket;
    try {
      socket =
          via == null
              ? PathProbe.direct(InetAddress.getByName(endpoint.host()), endpoint.port())
              : PathProbe.throughProxy(via, endpoint);
    } catch (PathProbe.StepFailure e) {
      add(
          Check.fail(
              "tcp",
              e.getMessage(),
              "check the proxy's address and credentials (HTTPS_PROXY / HTTP_PROXY), or bypass it"
                  + " with NO_PROXY"));
      return false;
    } catch (IOException e) {
      add(
          Check.fail(
              "tcp",
              "cannot connect to "
                  + endpoint.host()
                  + ":"
                  + endpoint.port()
                  + ": "
                  + PathProbe.message(e),
              "is the gateway running and listening on port "
                  + endpoint.port()
                  + "? Check the port in the URL, and firewalls or a VPN in between"));
      return false;
    }
    try (socket) {
      add(
          Check.pass(
              "tcp",
              "connected to "
                  + endpoint.host()
                  + ":"
                  + endpoint.port()
                  + (via == null ? "" : " through the proxy")
                  + " ("
                  + millisSince(start)
                  + " ms)"));
      if (tls == null) {
        return add(Check.skip("tls", "http:// gateway: no TLS (use https:// outside a lab)"));
      }
      return tls(socket);
    } catch (IOException e) {
      return true; // closing the probe socket failed: nothing the user must fix
    }
  }

  private boolean tls(Socket plain) {
    String where = endpoint.host() + ":" + endpoint.port();
    try (SSLSocket s =
        (SSLSocket)
            tls.jdk()
                .getSocketFactory()
                .createSocket(plain, endpoint.host(), endpoint.port(), false)) {
      SSLParameters params = s.getSSLParameters();
      params.setEndpointIdentificationAlgorithm("HTTPS");
      s.setSSLParameters(params);
      s.startHandshake();
      SSLSession session = s.getSession();
      X509Certificate leaf = (X509Certificate) session.getPeerCertificates()[0];
      X509Certificate[] chain =
          Arrays.stream(session.getPeerCertificates())
              .map(c -> (X509Certificate) c)
              .toArray(X509Certificate[]::new);
      long days = Duration.between(clock.instant(), leaf.getNotAfter().toInstant()).toDays();
      String expiry =
          Duration.ofDays(days).compareTo(EXPIRY_WARNING) < 0
              ? "expires in " + days + " days — renew it soon"
              : "expires in " + days + " days";
      return add(
          Check.pass(
              "tls",
              session.getProtocol()
                  + ", certificate "
                  + leaf.getSubjectX500Principal().getName()
                  + " issued by "
                  + leaf.getIssuerX500Principal().getName()
                  + ", "
                  + expiry
                  + ", name matches "
                  + endpoint.host()
                  + ", trusted through "
                  + caSource(chain, session.getCipherSuite())));
    } catch (IOException e) {
      String why = ClientTls.handshakeFailure(where, e);
      String fix =
          why.contains("not trusted")
              ? "if the gateway uses a private CA, pass its certificate with --ca-file PEM (or"
                  + " FERRY_CA_FILE)"
              : why.contains("not for this host name")
                  ? "use the name the certificate was issued for, or have the certificate reissued"
                  : why.contains("did not answer with TLS")
                      ? "use an http:// URL if the gateway serves plain HTTP"
                      : "check the gateway's TLS setup (gateway.tls) or what sits in front of it";
      return add(Check.fail("tls", why, fix));
    }
  }

  /** "the system's CAs" or "the CA file …": which trust accepted the chain. */
  private String caSource(X509Certificate[] chain, String cipherSuite) {
    try {
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init((KeyStore) null);
      for (TrustManager tm : tmf.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          x.checkServerTrusted(chain, cipherSuite.contains("ECDSA") ? "ECDHE_ECDSA" : "ECDHE_RSA");
          return "the system's CAs";
        }
      }
    } catch (Exception notBySystem) {
      // then it was the CA file
    }
    return settings.caFile() != null ? "the CA file " + settings.caFile() : "the system's CAs";
  }

  private boolean info() {
    try {
      info = api.info();
    } catch (GatewayApiException e) {
      return add(
          Check.fail(
              "info",
              "GET /v1/info failed: " + e.getMessage(),
              "is this URL a Ferry gateway? Something in front of it may answer instead"));
    }
    if (!Protocol.SUBPROTOCOL.equals(info.protocol())) {
      return add(
          Check.fail(
              "info",
              "gateway "
                  + info.name()
                  + " speaks '"
                  + info.protocol()
                  + "', this client "
                  + Protocol.SUBPROTOCOL,
              "use a client and gateway of matching versions"));
    }
    return add(
        Check.pass(
            "info",
            "gateway "
                + info.name()
                + " version "
                + info.version()
                + ", protocol "
                + info.protocol()
                + " supported"));
  }

  private boolean token() {
    TokenSource source;
    try {
      source = settings.tokens().get();
      token = source.token();
    } catch (Exception e) {
      return add(
          Check.fail(
              "token",
              "no token: " + e.getMessage(),
              "run ferry login, or pass --token-file, --token-command or FERRY_TOKEN"));
    }
    String from = source.describe();
    JWTClaimsSet claims;
    try {
      claims = JWTParser.parse(token).getJWTClaimsSet();
    } catch (Exception e) {
      return add(
          Check.fail(
              "token",
              "the token from " + from + " is not a JWT",
              "the gateway takes OIDC ID tokens (JWTs); check what " + from + " returns"));
    }
    List<String> trusted = info.issuers().stream().map(GatewayInfo.IssuerInfo::issuer).toList();
    String issuer = claims.getIssuer();
    if (issuer == null || !trusted.contains(issuer)) {
      return add(
          Check.fail(
              "token",
              "the token from "
                  + from
                  + " was issued by "
                  + issuer
                  + "; the gateway trusts "
                  + trusted,
              "get a token from one of the gateway's issuers (ferry login does)"));
    }
    Instant exp =
        claims.getExpirationTime() == null ? null : claims.getExpirationTime().toInstant();
    Instant now = clock.instant();
    if (exp != null && !exp.isAfter(now)) {
      return add(
          Check.fail(
              "token",
              "the token from " + from + " expired " + ago(Duration.between(exp, now)),
              "get a fresh one: ferry login, or a --token-command that mints new tokens"));
    }
    String audience = audienceNote(claims, issuer);
    return add(
        Check.pass(
            "token",
            "from "
                + from
                + ", issued by "
                + issuer
                + (exp == null
                    ? ", no expiry"
                    : ", expires in " + human(Duration.between(now, exp)))
                + audience));
  }

  private String audienceNote(JWTClaimsSet claims, String issuer) {
    List<String> aud = claims.getAudience();
    String clientId =
        info.issuers().stream()
            .filter(i -> i.issuer().equals(issuer))
            .map(GatewayInfo.IssuerInfo::clientId)
            .filter(c -> c != null && !c.isBlank())
            .findFirst()
            .orElse(null);
    if (clientId != null && aud.contains(clientId)) {
      return ", audience includes the login client " + clientId;
    }
    return ", audience " + aud + " (the gateway checks it against its configured audiences)";
  }

  private boolean proxies() {
    try {
      ProxyList list = api.proxies(token);
      int n = list.proxies().size();
      return add(
          Check.pass(
              "proxies",
              "the gateway accepted the token for "
                  + list.user()
                  + ": "
                  + n
                  + (n == 1 ? " proxy" : " proxies")
                  + " reachable"
                  + (n == 0 ? " (ask the gateway's admin for access)" : "")));
    } catch (GatewayApiException e) {
      boolean auth =
          e.error() == dev.ferry.tunnel.TunnelError.UNAUTHENTICATED
              || e.error() == dev.ferry.tunnel.TunnelError.TOKEN_EXPIRED;
      return add(
          Check.fail(
              "proxies",
              (auth ? "the gateway refused the token: " : "GET /v1/proxies failed: ")
                  + e.getMessage(),
              auth
                  ? "sign in again (ferry login) or get a token for this gateway's audience"
                  : "see the gateway's logs"));
    }
  }

  private void webSocket() throws InterruptedException {
    HttpClient.Builder b =
        HttpClient.newBuilder().connectTimeout(PathProbe.TIMEOUT).cookieHandler(cookies.handler());
    if (tls != null) {
      b.sslContext(tls.jdk());
    }
    HttpClient http = settings.proxies().client(b);
    URI uri = URI.create(endpoint.http("/v1/probe").toString().replaceFirst("^http", "ws"));
    WebSocketProbe probe;
    try {
      probe = WebSocketProbe.open(http, uri, token, settings.proxies().proxyAuthorization(uri));
    } catch (WebSocketProbe.Refused e) {
      String fix =
          e.status == 404
              ? "this gateway has no /v1/probe (older than this client); tunnels may still work"
              : e.status == 0 || e.status == 400 || e.status == 502 || e.status == 503
                  ? "something between here and the gateway does not pass WebSocket upgrades:"
                      + " allow Upgrade: websocket on the proxy / load balancer"
                  : "see the gateway's logs";
      add(Check.fail("websocket", "upgrade to /v1/probe failed: " + e.getMessage(), fix));
      add(Check.skip("idle", "not checked: no WebSocket"));
      return;
    }
    try (probe) {
      add(
          Check.pass(
              "websocket",
              "upgraded to "
                  + Protocol.SUBPROTOCOL
                  + " on /v1/probe"
                  + (via == null ? "" : " through the proxy")));
      Duration idle = settings.idleCheck();
      if (idle.isZero()) {
        add(Check.skip("idle", "skipped (--idle-check 0)"));
        return;
      }
      String cut = probe.holdIdle(idle);
      if (cut == null) {
        add(
            Check.pass(
                "idle",
                "an idle WebSocket stayed open "
                    + idle.toSeconds()
                    + "s"
                    + (idle.compareTo(Protocol.KEEPALIVE_INTERVAL) > 0
                        ? "; Ferry's keepalive pings every "
                            + Protocol.KEEPALIVE_INTERVAL.toSeconds()
                            + "s keep tunnels open on this path"
                        : "")));
      } else {
        add(
            Check.fail(
                "idle",
                "the path " + cut,
                "Ferry pings every "
                    + Protocol.KEEPALIVE_INTERVAL.toSeconds()
                    + "s, so paths that cut idle connections after 30s or more are fine: raise"
                    + " the idle timeout of the proxy or load balancer in front of the gateway"));
      }
    }
  }

  private static long millisSince(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos).toMillis();
  }

  private static String ago(Duration d) {
    return human(d) + " ago";
  }

  static String human(Duration d) {
    long s = d.toSeconds();
    if (s < 120) {
      return s + "s";
    }
    if (s < 7200) {
      return (s / 60) + " min";
    }
    if (s < 48 * 3600) {
      return (s / 3600) + " h";
    }
    return (s / 86400) + " days";
  }
}
