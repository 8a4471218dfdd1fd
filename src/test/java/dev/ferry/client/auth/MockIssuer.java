package dev.ferry.client.auth;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import okhttp3.mockwebserver.RecordedRequest;

/** A real in-process OIDC provider on 127.0.0.1 for the auth tests. */
final class MockIssuer implements AutoCloseable {

  static final String ISSUER_ID = "ferry";
  static final String CLIENT_ID = "ferry-cli";

  final MockOAuth2Server server = new MockOAuth2Server();

  MockIssuer() throws UnknownHostException {
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  /** Always via 127.0.0.1: the mock names its issuer after the Host it was called with. */
  URI issuer() {
    return URI.create(server.issuerUrl(ISSUER_ID).toString().replace("localhost", "127.0.0.1"));
  }

  OidcClientSettings settings() {
    return new OidcClientSettings(issuer(), CLIENT_ID, List.of("openid", "email", "profile"));
  }

  /** The next token request issues a token for this user, with email and groups claims. */
  void nextUser(String subject, String email, List<String> groups) {
    server.enqueueCallback(
        new DefaultOAuth2TokenCallback(
            ISSUER_ID,
            subject,
            "JWT",
            List.of(CLIENT_ID),
            Map.of("email", email, "groups", groups),
            3600));
  }

  /** Drains what the provider received so far; paths only (bodies may hold codes and tokens). */
  List<String> takeRequestPaths() {
    List<String> paths = new ArrayList<>();
    while (true) {
      RecordedRequest request;
      try {
        request = server.takeRequest(300, TimeUnit.MILLISECONDS);
      } catch (RuntimeException none) {
        return paths; // the mock throws when nothing arrived within the wait
      }
      paths.add(request.getRequestUrl().encodedPath());
    }
  }

  long tokenRequests() {
    return takeRequestPaths().stream().filter(p -> p.endsWith("/token")).count();
  }

  @Override
  public void close() {
    server.shutdown();
  }
}
