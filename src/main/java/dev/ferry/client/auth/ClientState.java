package dev.ferry.client.auth;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What the client remembers between runs that is not secret: the last gateway and the issuer and
 * client id it signed in with. Any field may be null. There is deliberately no field for a token.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ClientState(String lastGateway, String lastIssuer, String lastClientId) {

  public static final ClientState EMPTY = new ClientState(null, null, null);

  public ClientState withLastGateway(String gateway) {
    return new ClientState(gateway, lastIssuer, lastClientId);
  }

  public ClientState withLastLogin(String issuer, String clientId) {
    return new ClientState(lastGateway, issuer, clientId);
  }
}
