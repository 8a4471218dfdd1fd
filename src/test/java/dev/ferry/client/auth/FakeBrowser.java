package dev.ferry.client.auth;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * Plays the user's browser for the "open this URL" callback: GETs the authorize URL, reads the 302
 * (redirects are not followed) and GETs its Location on the loopback receiver, off the login thread
 * like a real browser would.
 */
final class FakeBrowser implements AutoCloseable {

  final AtomicReference<URI> opened = new AtomicReference<>();
  final CompletableFuture<HttpResponse<String>> callbackResponse = new CompletableFuture<>();

  private final HttpClient http =
      HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final ExecutorService executor = Executors.newSingleThreadExecutor();
  private final UnaryOperator<URI> tamper;

  /**
   * @param tamper changes the redirect before it is followed (a forged or failed callback)
   */
  FakeBrowser(UnaryOperator<URI> tamper) {
    this.tamper = tamper;
  }

  FakeBrowser() {
    this(UnaryOperator.identity());
  }

  void open(URI authorizeUrl) {
    opened.set(authorizeUrl);
    executor.execute(
        () -> {
          try {
            HttpResponse<String> authorize = get(authorizeUrl);
            if (authorize.statusCode() != 302) {
              throw new IOException("authorize answered " + authorize.statusCode());
            }
            URI location = URI.create(authorize.headers().firstValue("Location").orElseThrow());
            callbackResponse.complete(get(tamper.apply(location)));
          } catch (Exception e) {
            callbackResponse.completeExceptionally(e);
          }
        });
  }

  HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
