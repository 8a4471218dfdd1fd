package dev.ferry.gateway.server;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ferry.testkit.GatewayFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code GET /v1/probe}: a WebSocket after authentication only, bounded, leading nowhere. */
@Timeout(60)
class ProbeTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void warm() throws Exception {
    fx.warmProvider();
  }

  static final class Events implements WebSocket.Listener {
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    final CompletableFuture<Void> pong = new CompletableFuture<>();

    @Override
    public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
      pong.complete(null);
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      closed.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.completeExceptionally(error);
    }
  }

  CompletableFuture<WebSocket> open(GatewayFixture.Running gw, String token, Events events) {
    WebSocket.Builder b = http.newWebSocketBuilder().subprotocols("ferry.v1");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b.buildAsync(URI.create(gw.url().replace("http", "ws") + "/v1/probe"), events);
  }

  static int status(CompletableFuture<WebSocket> f) throws Exception {
    try {
      f.get(30, TimeUnit.SECONDS).abort();
      return 101;
    } catch (ExecutionException e) {
      return ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode();
    }
  }

  @Test
  @DisplayName("101 only with a valid token; pings answered; data closes it with 1003; no session")
  void upgrade() throws Exception {
    GatewayFixture.Running gw = fx.gateway().start();
    assertThat(status(open(gw, null, new Events()))).isEqualTo(401);
    assertThat(status(open(gw, "not.a.token", new Events()))).isEqualTo(401);

    Events events = new Events();
    WebSocket ws = open(gw, fx.token(ALICE), events).get(30, TimeUnit.SECONDS);
    assertThat(ws.getSubprotocol()).isEqualTo("ferry.v1");
    ws.sendPing(ByteBuffer.wrap(new byte[] {1})).get(10, TimeUnit.SECONDS);
    events.pong.get(10, TimeUnit.SECONDS);
    ws.sendText("hello", true).get(10, TimeUnit.SECONDS);
    assertThat(events.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1003);
    ws.abort();
    assertThat(gw.audit()).isEmpty();
  }

  @Test
  @DisplayName("at most 16 open at once: the 17th gets 429; a closed one frees its slot")
  void capped() throws Exception {
    GatewayFixture.Running gw = fx.gateway().start();
    String token = fx.token(ALICE);
    List<WebSocket> open = new ArrayList<>();
    List<Events> events = new ArrayList<>();
    for (int i = 0; i < ProbeUpgrade.MAX_OPEN; i++) {
      Events e = new Events();
      events.add(e);
      open.add(open(gw, token, e).get(30, TimeUnit.SECONDS));
    }
    assertThatThrownBy(() -> open(gw, token, new Events()).get(30, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(WebSocketHandshakeException.class)
        .satisfies(
            e ->
                assertThat(((WebSocketHandshakeException) e).getResponse().statusCode())
                    .isEqualTo(429));
    open.get(0).sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
    assertThat(events.get(0).closed.get(10, TimeUnit.SECONDS)).isEqualTo(1000);
    // the slot is freed when the gateway's side of the channel has closed
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> status(open(gw, token, new Events())) == 101);
    open.forEach(WebSocket::abort);
  }
}
