package dev.ferry.client.auth;

import dev.ferry.client.net.ProxySettings;
import java.net.http.HttpClient;
import java.time.Duration;

/** The HTTP settings every call to the identity provider shares. */
final class OidcHttp {

  /** Per request: an unreachable provider fails the login in seconds, not minutes. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private OidcHttp() {}

  /**
   * Redirects are not followed: discovery must come from the issuer itself, and a token request
   * must not be replayed somewhere else.
   */
  static HttpClient defaultClient() {
    return ProxySettings.fromEnvironment()
        .client(
            HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER));
  }
}
