package dev.ferry.client.auth;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The redirect target of one browser login (RFC 8252 §7.3): an HTTP server on 127.0.0.1 with a port
 * the OS picks, which takes exactly one callback and checks its {@code state} before the code goes
 * anywhere.
 *
 * <p>We do not use google-oauth-client's {@code LocalServerReceiver}: it ignores {@code state},
 * waits without a time limit and finds its port by opening and closing a socket (a race).
 */
final class LoopbackReceiver implements AutoCloseable {

  static final String CALLBACK_PATH = "/callback";

  private final HttpServer server;
  private final String expectedState;
  private final CompletableFuture<String> code = new CompletableFuture<>();

  private LoopbackReceiver(HttpServer server, String expectedState) {
    this.server = server;
    this.expectedState = expectedState;
  }

  /** Binds 127.0.0.1 (never a wildcard: the code must not be reachable from the network). */
  static LoopbackReceiver start(String expectedState) throws TokenException {
    try {
      InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
      HttpServer server = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
      LoopbackReceiver receiver = new LoopbackReceiver(server, expectedState);
      server.createContext("/", receiver::handle);
      server.start();
      return receiver;
    } catch (IOException e) {
      throw new TokenException("cannot open a local port for the sign-in redirect: " + e, e);
    }
  }

  URI redirectUri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + CALLBACK_PATH);
  }

  /** The authorization code, or a TokenException saying why the callback was refused. */
  String awaitCode(Duration timeout) throws TokenException {
    try {
      return code.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new TokenException(
          "no sign-in completed within " + timeout.toSeconds() + " s; run ferry login again");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TokenException("sign-in interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TokenException refused) {
        throw refused;
      }
      throw new TokenException("sign-in failed: " + e.getCause(), e.getCause());
    }
  }

  /** Stops listening at once: the port is open only while this login waits. */
  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!CALLBACK_PATH.equals(exchange.getRequestURI().getPath())) {
        // Browsers also ask for /favicon.ico; that must not end the login.
        respond(exchange, 404, "Not found.");
        return;
      }
      if (code.isDone()) {
        respond(exchange, 409, "This sign-in has already finished; you can close this tab.");
        return;
      }
      Map<String, String> query = parseQuery(exchange.getRequestURI().getRawQuery());
      TokenException refusal = refusalOf(query);
      if (refusal != null) {
        respond(exchange, 400, "Sign-in failed: " + refusal.getMessage());
        code.completeExceptionally(refusal);
      } else {
        respond(exchange, 200, "Signed in to Ferry. You can close this tab.");
        code.complete(query.get("code"));
      }
    }
  }

  private TokenException refusalOf(Map<String, String> query) {
    String error = query.get("error");
    if (error != null) {
      String description = query.getOrDefault("error_description", "");
      return new TokenException(
          "the identity provider refused the sign-in: "
              + error
              + (description.isEmpty() ? "" : " (" + description + ")"));
    }
    // Checked before anything else is looked at: a foreign state means a forged or stale redirect.
    if (!expectedState.equals(query.get("state"))) {
      return new TokenException(
          "sign-in redirect refused: its state does not match this login (a stale or forged"
              + " redirect); run ferry login again");
    }
    String value = query.get("code");
    if (value == null || value.isEmpty()) {
      return new TokenException("sign-in redirect carried no authorization code");
    }
    return null;
  }

  private static Map<String, String> parseQuery(String rawQuery) {
    Map<String, String> params = new HashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return params;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      params.putIfAbsent(
          URLDecoder.decode(name, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return params;
  }

  private static void respond(HttpExchange exchange, int status, String message)
      throws IOException {
    String html =
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Ferry</title></head>"
            + "<body><p>"
            + escape(message)
            + "</p></body></html>";
    byte[] body = html.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.getResponseHeaders().set("Connection", "close");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  // The provider's error text ends up in a page: never let it become markup.
  private static String escape(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;")
        .replace("'", "&#39;");
  }
}
