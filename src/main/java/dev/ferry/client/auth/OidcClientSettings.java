package dev.ferry.client.auth;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The public OIDC client a gateway names in {@code GET /v1/info}: who issues the tokens, which
 * client id signs in, and the scopes to ask for. Immutable; validated once here.
 */
public record OidcClientSettings(URI issuer, String clientId, List<String> scopes) {

  public OidcClientSettings {
    Objects.requireNonNull(issuer, "issuer");
    if (!issuer.isAbsolute() || issuer.getHost() == null) {
      throw new IllegalArgumentException("issuer must be an absolute http(s) URL: " + issuer);
    }
    if (clientId == null || clientId.isBlank()) {
      throw new IllegalArgumentException("clientId must not be blank");
    }
    // An ID token is only issued for the openid scope; add it rather than fail on a sloppy config.
    List<String> all = new ArrayList<>(scopes == null ? List.of() : scopes);
    if (!all.contains("openid")) {
      all.add(0, "openid");
    }
    scopes = List.copyOf(all);
  }

  /**
   * The account under which the refresh token is kept: one sign-in per issuer and client, shared by
   * every gateway that trusts the same pair.
   */
  public String storeKey() {
    return issuer + " " + clientId;
  }
}
