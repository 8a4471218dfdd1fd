package dev.ferry.client.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * OIDC authorization code flow with PKCE (S256), state and nonce, for a public client, with the
 * redirect caught on 127.0.0.1 (RFC 8252). The caller shows the URL; this class never prints.
 *
 * <p>Usage: {@code new BrowserLogin(settings, url -> { print(url); SystemBrowser.tryOpen(url);
 * }).login()}. One instance may run one login at a time; it blocks until the sign-in completes,
 * fails or times out.
 */
public final class BrowserLogin {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

  private final OidcClientSettings client;
  private final Consumer<URI> openUrl;
  private final Duration timeout;
  private final HttpClient http;

  public BrowserLogin(OidcClientSettings client, Consumer<URI> openUrl) {
    this(client, openUrl, DEFAULT_TIMEOUT, OidcHttp.defaultClient());
  }

  public BrowserLogin(
      OidcClientSettings client, Consumer<URI> openUrl, Duration timeout, HttpClient http) {
    this.client = Objects.requireNonNull(client, "client");
    this.openUrl = Objects.requireNonNull(openUrl, "openUrl");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.http = Objects.requireNonNull(http, "http");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
  }

  /**
   * Runs the whole sign-in: discovery, the browser round trip, the code exchange and the ID token
   * check. The receiver's port is closed again before this returns, whatever happened.
   */
  public LoginResult login() throws TokenException {
    OidcProvider provider = OidcProvider.discover(http, client.issuer(), OidcHttp.REQUEST_TIMEOUT);
    IdTokenVerifier verifier = new IdTokenVerifier(provider, client.clientId());
    String state = Pkce.randomToken();
    String nonce = Pkce.randomToken();
    Pkce pkce = Pkce.create();

    String code;
    URI redirectUri;
    try (LoopbackReceiver receiver = LoopbackReceiver.start(state)) {
      redirectUri = receiver.redirectUri();
      openUrl.accept(authorizationUri(provider, redirectUri, state, nonce, pkce));
      code = receiver.awaitCode(timeout);
    }

    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", "authorization_code");
    form.put("code", code);
    form.put("redirect_uri", redirectUri.toString());
    form.put("client_id", client.clientId());
    form.put("code_verifier", pkce.verifier());
    TokenEndpoint.Tokens tokens =
        new TokenEndpoint(http, provider.tokenEndpoint(), OidcHttp.REQUEST_TIMEOUT)
            .grant(form, "exchanging the sign-in code");
    JWTClaimsSet claims = verifier.verify(tokens.idToken(), nonce);
    return LoginResult.of(tokens.idToken(), tokens.refreshToken(), claims);
  }

  private URI authorizationUri(
      OidcProvider provider, URI redirectUri, String state, String nonce, Pkce pkce) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("response_type", "code");
    params.put("client_id", client.clientId());
    params.put("redirect_uri", redirectUri.toString());
    params.put("scope", String.join(" ", client.scopes()));
    params.put("state", state);
    params.put("nonce", nonce);
    params.put("code_challenge", pkce.challenge());
    params.put("code_challenge_method", "S256");
    String query =
        params.entrySet().stream()
            .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    String endpoint = provider.authorizationEndpoint().toString();
    // Some providers publish an endpoint that already has a query (e.g. a tenant parameter).
    return URI.create(endpoint + (endpoint.contains("?") ? "&" : "?") + query);
  }
}
