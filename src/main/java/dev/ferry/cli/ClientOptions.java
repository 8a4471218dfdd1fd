package dev.ferry.cli;

import dev.ferry.client.api.GatewayApi;
import dev.ferry.client.api.GatewayApiException;
import dev.ferry.client.api.GatewayInfo;
import dev.ferry.client.auth.ClientStateStore;
import dev.ferry.client.auth.LoginTokenSource;
import dev.ferry.client.auth.OidcClientSettings;
import dev.ferry.client.auth.OidcSession;
import dev.ferry.client.auth.RefreshTokenStore;
import dev.ferry.client.auth.RefreshTokenStores;
import dev.ferry.client.auth.TokenSource;
import dev.ferry.client.auth.TokenSources;
import dev.ferry.client.net.GatewayCookies;
import dev.ferry.client.net.ProxySettings;
import dev.ferry.client.tls.ClientTls;
import dev.ferry.client.tunnel.GatewayEndpoint;
import dev.ferry.client.tunnel.TunnelConnector;
import dev.ferry.tunnel.TunnelError;
import dev.ferry.tunnel.net.Transport;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Options every client command shares (DESIGN §2): where the gateway is, whom to trust for its TLS
 * certificate and where the token comes from. Resolved lazily, once per command.
 */
final class ClientOptions {
  static final String ENV_GATEWAY = "FERRY_GATEWAY";
  static final String ENV_CA_FILE = "FERRY_CA_FILE";

  @Option(
      names = "--gateway",
      paramLabel = "URL",
      description = "gateway URL; default $FERRY_GATEWAY, else the last login")
  String gateway;

  @Option(
      names = "--ca-file",
      paramLabel = "PEM",
      description = "extra CA certificates to trust for an https gateway; default $FERRY_CA_FILE")
  Path caFile;

  @Option(names = "--token-file", paramLabel = "FILE", description = "read the token from FILE")
  Path tokenFile;

  @Option(
      names = "--token-command",
      paramLabel = "CMD",
      description = "run CMD (by the shell) for a fresh token whenever one is needed")
  String tokenCommand;

  private GatewayEndpoint endpoint;
  private ClientTls tls;
  private GatewayApi api;
  private TokenSource tokens;
  private ProxySettings proxies;

  /** One jar for the gateway: its API calls and every tunnel share a load balancer's cookie. */
  private final GatewayCookies cookies = new GatewayCookies();

  /** The gateway: --gateway, else $FERRY_GATEWAY, else the last login. */
  GatewayEndpoint endpoint() {
    if (endpoint == null) {
      String url = gateway;
      if (url == null || url.isBlank()) {
        url = System.getenv(ENV_GATEWAY);
      }
      if (url == null || url.isBlank()) {
        url = ClientStateStore.forCurrentUser().load().lastGateway();
      }
      if (url == null || url.isBlank()) {
        throw new CliFailure(
            1,
            "no gateway: pass --gateway URL, set FERRY_GATEWAY, or run ferry login --gateway URL");
      }
      try {
        endpoint = GatewayEndpoint.parse(url);
      } catch (IllegalArgumentException e) {
        throw new CliFailure(1, e.getMessage());
      }
    }
    return endpoint;
  }

  /** TLS trust for an https gateway (system CAs plus --ca-file); null for http. */
  ClientTls tls() {
    if (tls == null && endpoint().tls()) {
      Path ca = caFile;
      String env = System.getenv(ENV_CA_FILE);
      if (ca == null && env != null && !env.isBlank()) {
        ca = Path.of(env);
      }
      try {
        tls = ClientTls.create(ca);
      } catch (IOException e) {
        throw new CliFailure(1, e.getMessage());
      }
    }
    return tls;
  }

  GatewayApi api() {
    if (api == null) {
      ClientTls t = tls();
      api = new GatewayApi(endpoint().baseUri(), t == null ? null : t.jdk(), proxies(), cookies);
    }
    return api;
  }

  /** HTTPS_PROXY / HTTP_PROXY / NO_PROXY; a proxy URL that cannot be used is a usage error. */
  ProxySettings proxies() {
    if (proxies == null) {
      try {
        proxies = ProxySettings.fromEnvironment();
      } catch (IllegalArgumentException e) {
        throw new CliFailure(1, e.getMessage());
      }
    }
    return proxies;
  }

  /** A connector to the gateway, through the proxy the environment names, if any. */
  TunnelConnector connector() {
    return new TunnelConnector(endpoint(), tls(), Transport.best(), null, proxies(), cookies);
  }

  /**
   * Where tokens come from, in DESIGN's order; the stored login is looked up only if needed. One
   * source per command, so the token {@code ferry connect} checked the proxy list with serves its
   * tunnels too (a --token-command runs once per fresh token, not once per use).
   */
  TokenSource tokens() {
    if (tokens == null) {
      tokens = TokenSources.resolve(tokenFile, tokenCommand, System.getenv(), this::storedLogin);
    }
    return tokens;
  }

  private TokenSource storedLogin() {
    OidcSession session = session(RefreshTokenStores.system());
    if (!session.signedIn()) {
      throw new CliFailure(
          TunnelError.UNAUTHENTICATED,
          "not signed in to "
              + endpoint()
              + ": run ferry login, or pass --token-file, --token-command or FERRY_TOKEN");
    }
    return new LoginTokenSource(session);
  }

  /** The sign-in session for this gateway's login issuer, backed by {@code store}. */
  OidcSession session(RefreshTokenStore store) {
    return new OidcSession(loginSettings(), store);
  }

  OidcClientSettings loginSettings() {
    GatewayInfo info;
    try {
      info = api().info();
    } catch (GatewayApiException e) {
      throw new CliFailure(e.error(), e.getMessage());
    }
    GatewayInfo.IssuerInfo issuer = info.loginIssuer();
    if (issuer == null) {
      throw new CliFailure(
          TunnelError.UNAUTHENTICATED,
          "gateway "
              + endpoint()
              + " names no issuer with a client id to sign in with; use --token-file,"
              + " --token-command or FERRY_TOKEN");
    }
    try {
      return new OidcClientSettings(
          URI.create(issuer.issuer()), issuer.clientId(), issuer.scopes());
    } catch (IllegalArgumentException e) {
      throw new CliFailure(1, "gateway names an unusable issuer: " + e.getMessage());
    }
  }
}
