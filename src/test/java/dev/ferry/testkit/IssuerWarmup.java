package dev.ferry.testkit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The in-process OIDC provider's first answer can take longer than the gateway verifier's 5 s
 * discovery timeout on a loaded machine; one patient request first keeps the first test honest.
 */
public final class IssuerWarmup {
  private IssuerWarmup() {}

  /** Asks {@code fx}'s issuer for its discovery document, waiting up to 60 s. */
  public static void warm(GatewayFixture fx) throws Exception {
    HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(fx.issuer() + "/.well-known/openid-configuration"))
                .timeout(Duration.ofSeconds(60))
                .build(),
            HttpResponse.BodyHandlers.discarding());
  }
}
