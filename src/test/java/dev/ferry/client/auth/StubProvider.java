package dev.ferry.client.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted OIDC provider for the cases mock-oauth2-server cannot play (it has no way to queue a
 * token endpoint answer): discovery, a JWKS with one RSA key, and a token endpoint that answers
 * from a queue.
 */
final class StubProvider implements AutoCloseable {

  record Answer(int status, String json) {}

  final RSAKey key;
  final AtomicInteger tokenRequests = new AtomicInteger();
  final Queue<Answer> answers = new ConcurrentLinkedQueue<>();
  private final HttpServer server;

  StubProvider() throws IOException, JOSEException {
    key = new RSAKeyGenerator(2048).keyID("k1").generate();
    server =
        HttpServer.create(
            new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 0);
    server.createContext("/.well-known/openid-configuration", this::discovery);
    server.createContext("/jwks", ex -> send(ex, 200, new JWKSet(key.toPublicJWK()).toString()));
    server.createContext("/token", this::token);
    server.start();
  }

  URI issuer() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  OidcClientSettings settings() {
    return new OidcClientSettings(issuer(), MockIssuer.CLIENT_ID, List.of("openid"));
  }

  OidcProvider provider() {
    return new OidcProvider(
        issuer(),
        URI.create(issuer() + "/authorize"),
        URI.create(issuer() + "/token"),
        URI.create(issuer() + "/jwks"));
  }

  /** Claims a valid ID token for us would carry; tests change one thing at a time. */
  JWTClaimsSet.Builder validClaims() {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .issuer(issuer().toString())
        .subject("carol-sub")
        .audience(MockIssuer.CLIENT_ID)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(3600)))
        .claim("email", "carol@example.com");
  }

  String sign(JWTClaimsSet claims) throws JOSEException {
    return sign(claims, key);
  }

  static String sign(JWTClaimsSet claims, RSAKey with) throws JOSEException {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(with.getKeyID()).build(), claims);
    jwt.sign(new RSASSASigner(with));
    return jwt.serialize();
  }

  void answer(int status, String json) {
    answers.add(new Answer(status, json));
  }

  private void discovery(HttpExchange exchange) throws IOException {
    String base = issuer().toString();
    send(
        exchange,
        200,
        "{\"issuer\":\""
            + base
            + "\",\"authorization_endpoint\":\""
            + base
            + "/authorize\",\"token_endpoint\":\""
            + base
            + "/token\",\"jwks_uri\":\""
            + base
            + "/jwks\"}");
  }

  private void token(HttpExchange exchange) throws IOException {
    tokenRequests.incrementAndGet();
    exchange.getRequestBody().readAllBytes();
    Answer answer = answers.poll();
    if (answer == null) {
      send(exchange, 400, "{\"error\":\"invalid_request\",\"error_description\":\"unscripted\"}");
    } else {
      send(exchange, answer.status(), answer.json());
    }
  }

  private static void send(HttpExchange exchange, int status, String json) throws IOException {
    try (exchange) {
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
