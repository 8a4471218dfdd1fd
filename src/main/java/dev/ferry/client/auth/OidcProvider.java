package dev.ferry.client.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The endpoints an issuer publishes in its discovery document. */
public record OidcProvider(URI issuer, URI authorizationEndpoint, URI tokenEndpoint, URI jwksUri) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Reads {@code {issuer}/.well-known/openid-configuration}. The document's {@code issuer} must
   * equal ours exactly (OIDC Discovery §4.3): otherwise a document served elsewhere could redirect
   * the login to endpoints of someone else's choosing.
   */
  public static OidcProvider discover(HttpClient http, URI issuer, Duration timeout)
      throws TokenException {
    String base = issuer.toString();
    URI wellKnown =
        URI.create(
            (base.endsWith("/") ? base.substring(0, base.length() - 1) : base)
                + "/.well-known/openid-configuration");
    HttpResponse<String> response;
    try {
      response =
          http.send(
              HttpRequest.newBuilder(wellKnown)
                  .timeout(timeout)
                  .header("Accept", "application/json")
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new TokenException("cannot reach the identity provider at " + wellKnown + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TokenException("interrupted while reading " + wellKnown, e);
    }
    if (response.statusCode() != 200) {
      throw new TokenException(
          "identity provider discovery at " + wellKnown + " answered " + response.statusCode());
    }
    JsonNode doc;
    try {
      doc = JSON.readTree(response.body());
    } catch (IOException e) {
      throw new TokenException("identity provider discovery at " + wellKnown + " is not JSON", e);
    }
    String published = doc.path("issuer").asText("");
    if (!published.equals(issuer.toString())) {
      throw new TokenException(
          "identity provider discovery names issuer '"
              + published
              + "', expected exactly '"
              + issuer
              + "'");
    }
    return new OidcProvider(
        issuer,
        endpoint(doc, "authorization_endpoint", wellKnown),
        endpoint(doc, "token_endpoint", wellKnown),
        endpoint(doc, "jwks_uri", wellKnown));
  }

  private static URI endpoint(JsonNode doc, String field, URI from) throws TokenException {
    String value = doc.path(field).asText("");
    if (value.isEmpty()) {
      throw new TokenException("identity provider discovery at " + from + " lacks " + field);
    }
    try {
      return URI.create(value);
    } catch (IllegalArgumentException e) {
      throw new TokenException(field + " in " + from + " is not a URL: " + value, e);
    }
  }
}
