package dev.ferry.gateway.config;

import java.util.List;

/**
 * One trusted OIDC issuer.
 *
 * @param issuer exact {@code iss} value; discovery at {@code issuer +
 *     /.well-known/openid-configuration}
 * @param audiences the token's {@code aud} must contain one of these
 * @param clientId public client used by {@code ferry login}; null when not set
 * @param scopes scopes asked for at login (default openid, email, profile)
 * @param userClaim claim naming the user (default email; falls back to sub)
 * @param groupsClaim claim listing the user's groups (default groups)
 */
public record IssuerSettings(
    String issuer,
    List<String> audiences,
    String clientId,
    List<String> scopes,
    String userClaim,
    String groupsClaim) {

  public IssuerSettings {
    audiences = List.copyOf(audiences);
    scopes = List.copyOf(scopes);
  }
}
