package dev.ferry.client.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Posts grants to the token endpoint as a public client (client_id in the form, no secret) and
 * reads the tokens out of the answer. Tokens never appear in the messages it throws.
 */
final class TokenEndpoint {

  /** What the token endpoint answered; refreshToken is null when the provider sent none. */
  record Tokens(String idToken, String refreshToken) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final URI endpoint;
  private final Duration timeout;

  TokenEndpoint(HttpClient http, URI endpoint, Duration timeout) {
    this.http = http;
    this.endpoint = endpoint;
    this.timeout = timeout;
  }

  Tokens grant(Map<String, String> form, String what) throws TokenException {
    String body =
        form.entrySet().stream()
            .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
            .collect(Collectors.joining("&"));
    HttpResponse<String> response;
    try {
      response =
          http.send(
              HttpRequest.newBuilder(endpoint)
                  .timeout(timeout)
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .header("Accept", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new TokenException("cannot reach the token endpoint " + endpoint + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TokenException("interrupted while " + what, e);
    }
    JsonNode json = parse(response.body());
    if (response.statusCode() != 200) {
      // RFC 6749 §5.2: error and error_description name the reason; they never hold a token.
      String error = json.path("error").asText("");
      String description = json.path("error_description").asText("");
      throw new TokenException(
          what
              + " failed: the token endpoint answered "
              + response.statusCode()
              + (error.isEmpty() ? "" : " " + error)
              + (description.isEmpty() ? "" : " (" + description + ")"));
    }
    String idToken = json.path("id_token").asText("");
    if (idToken.isEmpty()) {
      throw new TokenException(
          what + " failed: the token endpoint sent no id_token (is the openid scope allowed?)");
    }
    String refreshToken = json.path("refresh_token").asText("");
    return new Tokens(idToken, refreshToken.isEmpty() ? null : refreshToken);
  }

  private static JsonNode parse(String body) {
    try {
      JsonNode node = JSON.readTree(body);
      return node == null ? JSON.createObjectNode() : node;
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
