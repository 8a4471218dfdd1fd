package dev.ferry.client.doctor;

import dev.ferry.tunnel.Protocol;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A WebSocket to the gateway's {@code /v1/probe}: opened with the token and ferry.v1 the way a
 * tunnel is, then held idle to learn whether the path (proxies, load balancers) cuts it.
 */
final class WebSocketProbe implements AutoCloseable {
  static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);
  static final Duration PONG_TIMEOUT = Duration.ofSeconds(10);

  private final WebSocket ws;
  private final Events events;
  private final long openedNanos;

  private WebSocketProbe(WebSocket ws, Events events) {
    this.ws = ws;
    this.events = events;
    this.openedNanos = System.nanoTime();
  }

  /** Why the upgrade failed: an HTTP status (0 when there was no answer) and a message. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;

    Refused(int status, String message, Throwable cause) {
      super(message, cause);
      this.status = status;
    }
  }

  static WebSocketProbe open(HttpClient http, URI uri, String token, String proxyAuthOrNull)
      throws Refused, InterruptedException {
    Events events = new Events();
    WebSocket.Builder builder = http.newWebSocketBuilder();
    if (proxyAuthOrNull != null) {
      builder.header("Proxy-Authorization", proxyAuthOrNull);
    }
    CompletableFuture<WebSocket> opening =
        builder
            .header("Authorization", "Bearer " + token)
            .subprotocols(Protocol.SUBPROTOCOL)
            .connectTimeout(OPEN_TIMEOUT)
            .buildAsync(uri, events);
    try {
      WebSocket ws = opening.get(OPEN_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
      if (!Protocol.SUBPROTOCOL.equals(ws.getSubprotocol())) {
        ws.abort();
        throw new Refused(
            101, "the gateway agreed to no subprotocol " + Protocol.SUBPROTOCOL, null);
      }
      return new WebSocketProbe(ws, events);
    } catch (TimeoutException e) {
      opening.cancel(true);
      throw new Refused(0, "no answer to the upgrade within " + OPEN_TIMEOUT.toSeconds() + "s", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof WebSocketHandshakeException h) {
        int status = h.getResponse().statusCode();
        throw new Refused(status, "the gateway answered the upgrade with HTTP " + status, c);
      }
      throw new Refused(0, PathProbe.message(c), c);
    }
  }

  /**
   * Stays idle up to {@code idle}; returns null if the WebSocket is still open then and answers a
   * ping, else what happened and after how long.
   */
  String holdIdle(Duration idle) throws InterruptedException {
    try {
      events.closed.get(idle.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException stillOpen) {
      return pingPong();
    } catch (ExecutionException e) {
      // completed exceptionally: onError
    }
    long after = Duration.ofNanos(System.nanoTime() - openedNanos).toSeconds();
    return "closed after " + after + "s of silence (" + events.how + ")";
  }

  private String pingPong() throws InterruptedException {
    try {
      ws.sendPing(ByteBuffer.wrap(new byte[] {'f', 'd'}))
          .get(PONG_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      events.pong.get(PONG_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException | TimeoutException e) {
      long after = Duration.ofNanos(System.nanoTime() - openedNanos).toSeconds();
      return "no pong after "
          + after
          + "s of silence ("
          + (events.how != null ? events.how : "the connection went quiet")
          + ")";
    }
  }

  @Override
  public void close() {
    try {
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
      events.closed.get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // closing politely is a courtesy; abort below in any case
    } finally {
      ws.abort();
    }
  }

  /** What the WebSocket reports; completes {@link #closed} on close or error. */
  private static final class Events implements WebSocket.Listener {
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    final CompletableFuture<Void> pong = new CompletableFuture<>();
    volatile String how;

    @Override
    public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
      pong.complete(null);
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      how = "close " + statusCode + (reason == null || reason.isEmpty() ? "" : " " + reason);
      closed.complete(null);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      how = "connection lost: " + PathProbe.message(error);
      closed.complete(null);
    }
  }
}
