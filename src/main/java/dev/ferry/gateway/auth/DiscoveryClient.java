package dev.ferry.gateway.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Reads an issuer's OpenID discovery document and returns its {@code jwks_uri}. The document's
 * {@code issuer} must equal the configured issuer exactly (OIDC Discovery §4.3): otherwise a
 * mis-typed or hijacked URL could hand us someone else's keys.
 */
final class DiscoveryClient {
  /** Discovery documents are a few KB; the cap keeps a hostile endpoint from filling memory. */
  static final int MAX_DOCUMENT_BYTES = 256 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final Duration readTimeout;

  DiscoveryClient(HttpClient http, Duration readTimeout) {
    this.http = http;
    this.readTimeout = readTimeout;
  }

  static URI discoveryUri(String issuer) {
    String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
    return URI.create(base + "/.well-known/openid-configuration");
  }

  /** Fetches and checks the document; any failure is an IOException naming what went wrong. */
  URI jwksUri(String issuer) throws IOException, InterruptedException {
    URI uri = discoveryUri(issuer);
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(readTimeout)
            .header("Accept", "application/json")
            .GET()
            .build();
    HttpResponse<InputStream> response =
        http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    byte[] body;
    try (InputStream in = response.body()) {
      body = in.readNBytes(MAX_DOCUMENT_BYTES + 1);
    }
    if (response.statusCode() != 200) {
      throw new IOException("discovery answered HTTP " + response.statusCode());
    }
    if (body.length > MAX_DOCUMENT_BYTES) {
      throw new IOException("discovery document larger than " + MAX_DOCUMENT_BYTES + " bytes");
    }
    JsonNode doc = JSON.readTree(body);
    if (doc == null || !doc.isObject()) {
      throw new IOException("discovery document is not a JSON object");
    }
    JsonNode advertised = doc.get("issuer");
    if (advertised == null || !advertised.isTextual() || !advertised.asText().equals(issuer)) {
      throw new IOException(
          "discovery document names issuer "
              + SafeText.of(advertised == null ? null : advertised.asText())
              + ", expected "
              + issuer);
    }
    JsonNode jwks = doc.get("jwks_uri");
    if (jwks == null || !jwks.isTextual()) {
      throw new IOException("discovery document has no jwks_uri");
    }
    URI jwksUri;
    try {
      jwksUri = URI.create(jwks.asText());
    } catch (IllegalArgumentException e) {
      throw new IOException("discovery document has an invalid jwks_uri", e);
    }
    String scheme = jwksUri.getScheme();
    if (!"https".equalsIgnoreCase(scheme) && !"http".equalsIgnoreCase(scheme)) {
      throw new IOException("jwks_uri is not an http(s) URL");
    }
    return jwksUri;
  }
}
