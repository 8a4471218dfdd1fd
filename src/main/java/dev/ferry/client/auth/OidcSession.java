package dev.ferry.client.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import java.net.http.HttpClient;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A stored sign-in with one issuer and client: renews the ID token with the refresh_token grant. A
 * refresh token the provider rotates replaces the old one in the store (the old one stops working).
 * Thread-safe; concurrent {@link #refresh()} calls share one token request.
 */
public final class OidcSession {

  static final String NOT_SIGNED_IN = "not signed in: run ferry login";

  private final OidcClientSettings client;
  private final RefreshTokenStore store;
  private final HttpClient http;
  private final SingleFlight<LoginResult> flight = new SingleFlight<>();

  // Discovery and JWKS are fetched once per session, on the first refresh.
  private volatile OidcProvider provider;
  private volatile IdTokenVerifier verifier;

  public OidcSession(OidcClientSettings client, RefreshTokenStore store) {
    this(client, store, OidcHttp.defaultClient());
  }

  public OidcSession(OidcClientSettings client, RefreshTokenStore store, HttpClient http) {
    this.client = Objects.requireNonNull(client, "client");
    this.store = Objects.requireNonNull(store, "store");
    this.http = Objects.requireNonNull(http, "http");
  }

  public OidcClientSettings client() {
    return client;
  }

  /** Whether a refresh token is stored for this issuer and client. */
  public boolean signedIn() {
    return store.load(client.storeKey()).isPresent();
  }

  /** Keeps a fresh login's refresh token (if any) so later runs can renew without a browser. */
  public void remember(LoginResult login) {
    if (login.refreshToken() != null) {
      store.save(client.storeKey(), login.refreshToken());
    }
  }

  /** Forgets the stored sign-in (ferry logout). */
  public void forget() {
    store.delete(client.storeKey());
  }

  /**
   * A fresh, verified ID token from the stored refresh token.
   *
   * @throws TokenException {@value #NOT_SIGNED_IN} when nothing is stored, or why the provider
   *     refused (e.g. invalid_grant once the refresh token expired or was revoked)
   */
  public LoginResult refresh() throws TokenException {
    return flight.run(this::refreshOnce);
  }

  private LoginResult refreshOnce() throws TokenException {
    Optional<String> stored = load();
    if (stored.isEmpty()) {
      throw new TokenException(NOT_SIGNED_IN);
    }
    ensureDiscovered();
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", "refresh_token");
    form.put("refresh_token", stored.get());
    form.put("client_id", client.clientId());
    TokenEndpoint.Tokens tokens;
    try {
      tokens =
          new TokenEndpoint(http, provider.tokenEndpoint(), OidcHttp.REQUEST_TIMEOUT)
              .grant(form, "renewing the sign-in");
    } catch (TokenException e) {
      throw new TokenException(e.getMessage() + "; run ferry login", e);
    }
    JWTClaimsSet claims = verifier.verify(tokens.idToken(), null);
    String refreshToken = stored.get();
    if (tokens.refreshToken() != null && !tokens.refreshToken().equals(refreshToken)) {
      // Rotation: the provider has retired the old token, so only the new one can renew again.
      refreshToken = tokens.refreshToken();
      try {
        store.save(client.storeKey(), refreshToken);
      } catch (RefreshTokenStoreException e) {
        throw new TokenException(
            "the sign-in was renewed but could not be kept ("
                + e.getMessage()
                + "); run ferry login",
            e);
      }
    }
    return LoginResult.of(tokens.idToken(), refreshToken, claims);
  }

  private Optional<String> load() throws TokenException {
    try {
      return store.load(client.storeKey());
    } catch (RefreshTokenStoreException e) {
      throw new TokenException(e.getMessage(), e);
    }
  }

  // Called only inside the single flight, so no two threads discover at once.
  private void ensureDiscovered() throws TokenException {
    if (provider == null) {
      OidcProvider discovered =
          OidcProvider.discover(http, client.issuer(), OidcHttp.REQUEST_TIMEOUT);
      verifier = new IdTokenVerifier(discovered, client.clientId());
      provider = discovered;
    }
  }
}
