package dev.ferry.client.api;

import java.util.List;

/** What {@code GET /v1/info} says about a gateway. */
public record GatewayInfo(String name, String version, String protocol, List<IssuerInfo> issuers) {
  public GatewayInfo {
    issuers = List.copyOf(issuers);
  }

  /** An issuer the gateway trusts, with the public client to sign in with. */
  public record IssuerInfo(String issuer, String clientId, List<String> scopes) {
    public IssuerInfo {
      scopes = List.copyOf(scopes);
    }
  }

  /** The first issuer that names a client id, which is the one {@code ferry login} uses. */
  public IssuerInfo loginIssuer() {
    return issuers.stream()
        .filter(i -> i.clientId() != null && !i.clientId().isEmpty())
        .findFirst()
        .orElse(null);
  }
}
