package dev.ferry.desktop;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Plays the user's browser for the app: GETs the authorize URL the app wanted to open (the mock
 * provider answers 302 at once), then GETs the redirect on the app's loopback receiver, on its own
 * thread as a browser would.
 */
public final class PlayedBrowser implements Consumer<URI>, AutoCloseable {
  public final List<URI> opened = new CopyOnWriteArrayList<>();
  public final List<Throwable> errors = new CopyOnWriteArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final ExecutorService thread = Executors.newSingleThreadExecutor();

  @Override
  public void accept(URI authorize) {
    opened.add(authorize);
    thread.execute(
        () -> {
          try {
            HttpResponse<Void> r = get(authorize);
            URI callback = URI.create(r.headers().firstValue("Location").orElseThrow());
            get(callback);
          } catch (Exception e) {
            errors.add(e);
          }
        });
  }

  private HttpResponse<Void> get(URI uri) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.discarding());
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
