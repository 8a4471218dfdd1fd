package dev.ferry.desktop.gateways;

import dev.ferry.client.api.GatewayApi;
import dev.ferry.client.api.GatewayApiException;
import dev.ferry.client.api.GatewayInfo;
import dev.ferry.client.api.ProxyList;
import dev.ferry.client.auth.BrowserLogin;
import dev.ferry.client.auth.ClientStateStore;
import dev.ferry.client.auth.LoginResult;
import dev.ferry.client.auth.LoginTokenSource;
import dev.ferry.client.auth.OidcClientSettings;
import dev.ferry.client.auth.OidcSession;
import dev.ferry.client.auth.RefreshTokenStore;
import dev.ferry.client.auth.TokenException;
import dev.ferry.client.auth.TokenSource;
import dev.ferry.client.forward.Forwarder;
import dev.ferry.client.forward.ForwarderListener;
import dev.ferry.client.net.GatewayCookies;
import dev.ferry.client.net.ProxySettings;
import dev.ferry.client.tls.ClientTls;
import dev.ferry.client.tunnel.GatewayEndpoint;
import dev.ferry.client.tunnel.TunnelConnector;
import dev.ferry.tunnel.TunnelError;
import dev.ferry.tunnel.net.Transport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link GatewayService} on the headless client core, the same code the CLI runs: {@link
 * GatewayApi}, {@link BrowserLogin}, {@link OidcSession} + {@link LoginTokenSource}, {@link
 * TunnelConnector} and {@link Forwarder}.
 */
public final class CoreGatewayService implements GatewayService {
  private static final Logger LOG = LoggerFactory.getLogger(CoreGatewayService.class);

  /** How long a new local connection waits for a sign-in before it is refused. */
  public static final Duration SIGN_IN_WAIT = Duration.ofMinutes(3);

  /** Keepalive pings every 10 s (the protocol's default is 25 s): a livelier round-trip time. */
  static final Duration KEEPALIVE = Duration.ofSeconds(10);

  private final GatewayEndpoint endpoint;
  private final ClientTls tls;
  private final GatewayApi api;
  private final Supplier<RefreshTokenStore> store;
  private final ClientStateStore clientState;
  private final SignInGate gate;
  private final Clock clock;
  private final TokenSource external;
  private final ProxySettings proxies;
  private final GatewayCookies cookies = new GatewayCookies();
  private volatile TunnelConnector connector;
  private volatile OidcSession session;

  /**
   * @param url the gateway's URL, http or https
   * @param store where refresh tokens are kept (the OS keychain in the app); asked for lazily, on
   *     the IO executor, because probing the keychain may take a moment
   * @param clientState the CLI's state file, told the last gateway signed in to; null for none
   * @param caFile extra CAs for an https gateway, or null
   */
  public CoreGatewayService(
      String url, Supplier<RefreshTokenStore> store, ClientStateStore clientState, Path caFile) {
    this(url, store, clientState, caFile, null);
  }

  /**
   * @param external the token source given on the command line ({@code --token-file}, {@code
   *     --token-command}, {@code $FERRY_TOKEN}): signing in uses it instead of the browser and the
   *     keychain; null for the browser sign-in
   */
  public CoreGatewayService(
      String url,
      Supplier<RefreshTokenStore> store,
      ClientStateStore clientState,
      Path caFile,
      TokenSource external) {
    this(url, store, clientState, caFile, external, ProxySettings.fromEnvironment());
  }

  /**
   * @param proxies how the gateway is reached: in the app, HTTPS_PROXY &amp; co. or the OS settings
   *     ({@link ProxySettings#withSystemFallback})
   */
  public CoreGatewayService(
      String url,
      Supplier<RefreshTokenStore> store,
      ClientStateStore clientState,
      Path caFile,
      TokenSource external,
      ProxySettings proxies) {
    this.external = external;
    this.proxies = proxies;
    this.endpoint = GatewayEndpoint.parse(url);
    try {
      this.tls = endpoint.tls() ? ClientTls.create(caFile) : null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.api = new GatewayApi(endpoint.baseUri(), tls == null ? null : tls.jdk(), proxies, cookies);
    this.store = store;
    this.clientState = clientState;
    this.gate = new SignInGate(endpoint.toString(), SIGN_IN_WAIT);
    this.clock = Clock.systemUTC();
  }

  @Override
  public String url() {
    return endpoint.toString();
  }

  @Override
  public GatewayInfo info() throws GatewayApiException {
    GatewayInfo info;
    try {
      info = api.info();
    } catch (GatewayApiException e) {
      if (e.error() == TunnelError.GATEWAY_UNREACHABLE) {
        throw e;
      }
      throw new GatewayApiException(
          e.error(), url() + " does not look like a Ferry gateway: " + e.getMessage(), e);
    }
    if (info.protocol().isEmpty() && info.issuers().isEmpty()) {
      throw new GatewayApiException(
          TunnelError.BAD_REQUEST,
          url() + " does not look like a Ferry gateway: its /v1/info names no protocol");
    }
    return info;
  }

  /** For the identity provider: through the same proxy as the gateway, redirects not followed. */
  private HttpClient identityHttp() {
    return proxies.client(
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER));
  }

  private OidcSession session() throws GatewayApiException, TokenException {
    OidcSession s = session;
    if (s == null) {
      GatewayInfo.IssuerInfo issuer = info().loginIssuer();
      if (issuer == null) {
        throw new TokenException(
            "gateway " + url() + " names no issuer with a client id to sign in with");
      }
      s = new OidcSession(loginSettings(issuer), store.get(), identityHttp());
      session = s;
    }
    return s;
  }

  private static OidcClientSettings loginSettings(GatewayInfo.IssuerInfo issuer)
      throws TokenException {
    try {
      return new OidcClientSettings(
          URI.create(issuer.issuer()), issuer.clientId(), issuer.scopes());
    } catch (IllegalArgumentException e) {
      throw new TokenException("the gateway names an unusable issuer: " + e.getMessage());
    }
  }

  @Override
  public Optional<Account> resume() {
    if (external != null) {
      try {
        return Optional.of(startExternal());
      } catch (TokenException | RuntimeException e) {
        LOG.info("no sign-in to {} with {}: {}", url(), external.describe(), e.getMessage());
        return Optional.empty();
      }
    }
    try {
      OidcSession s = session();
      if (!s.signedIn()) {
        return Optional.empty();
      }
      return Optional.of(start(s, s.refresh()));
    } catch (GatewayApiException | TokenException | RuntimeException e) {
      LOG.info("no silent sign-in to {}: {}", url(), e.getMessage());
      return Optional.empty();
    }
  }

  @Override
  public Account signIn(Consumer<URI> browser) throws TokenException, GatewayApiException {
    if (external != null) {
      return startExternal();
    }
    OidcSession s = session();
    LoginResult result =
        new BrowserLogin(s.client(), browser, BrowserLogin.DEFAULT_TIMEOUT, identityHttp()).login();
    s.remember(result);
    if (clientState != null) {
      try {
        clientState.save(
            clientState
                .load()
                .withLastGateway(url())
                .withLastLogin(s.client().issuer().toString(), s.client().clientId()));
      } catch (IOException | RuntimeException e) {
        LOG.warn("could not remember {} for the CLI: {}", url(), e.getMessage());
      }
    }
    return start(s, result);
  }

  private Account startExternal() throws TokenException {
    Account a = ExternalToken.account(external);
    gate.open(external);
    return a;
  }

  private Account start(OidcSession s, LoginResult result) {
    gate.open(new LoginTokenSource(s, result, clock));
    return new Account(result.user(), result.groups(), result.expiresAt());
  }

  @Override
  public Instant renew() throws TokenException {
    TokenSource tokens = gate.now();
    if (tokens == null) {
      throw new TokenException("not signed in to " + url());
    }
    String token;
    try {
      token = tokens.token();
    } catch (TokenException e) {
      gate.close(); // the user has to sign in again; new connections wait for it
      throw e;
    }
    return tokens instanceof LoginTokenSource l ? l.currentExpiry() : ExternalToken.expiry(token);
  }

  @Override
  public void signOut() {
    gate.close();
    if (external != null) {
      return; // nothing stored to forget; signing in again reuses the given source
    }
    OidcSession s = session;
    if (s != null) {
      s.forget();
    }
  }

  @Override
  public ProxyList proxies() throws GatewayApiException, TokenException {
    TokenSource tokens = gate.now();
    if (tokens == null) {
      throw new TokenException("not signed in to " + url());
    }
    String token = tokens.token();
    try {
      return api.proxies(token);
    } catch (GatewayApiException e) {
      if (e.error() != TunnelError.UNAUTHENTICATED && e.error() != TunnelError.TOKEN_EXPIRED) {
        throw e;
      }
      tokens.invalidate(token);
      return api.proxies(tokens.token());
    }
  }

  @Override
  public Forwarder forward(String proxy, int port, ForwarderListener listener) throws Exception {
    return forward(proxy, port, 0, listener);
  }

  @Override
  public Forwarder forward(String proxy, int port, int maxConnections, ForwarderListener listener)
      throws Exception {
    Forwarder f =
        new Forwarder(connector(), proxy, gate, "127.0.0.1", port, maxConnections, listener);
    try {
      f.start();
    } catch (Exception e) {
      f.close();
      throw e;
    }
    return f;
  }

  private synchronized TunnelConnector connector() {
    if (connector == null) {
      TunnelConnector c =
          new TunnelConnector(endpoint, tls, Transport.best(), null, proxies, cookies);
      c.keepaliveInterval(KEEPALIVE);
      connector = c;
    }
    return connector;
  }

  @Override
  public synchronized void close() {
    if (connector != null) {
      connector.close();
    }
  }
}
