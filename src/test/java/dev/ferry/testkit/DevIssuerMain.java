package dev.ferry.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import okhttp3.HttpUrl;

/**
 * A real OIDC provider for shell-level end-to-end runs ({@code .ci/clients-e2e.sh}): starts
 * mock-oauth2-server on 127.0.0.1, writes the issuer URL and ID tokens for the demo users into a
 * folder, and runs until killed or until its time limit passes (it never outlives a CI step).
 *
 * <p>Usage: {@code DevIssuerMain OUT_DIR AUDIENCE [MAX_SECONDS]} writes {@code OUT_DIR/issuer},
 * {@code OUT_DIR/alice.token} (groups dev, dba) and {@code OUT_DIR/bob.token} (group dev).
 */
public final class DevIssuerMain {
  private static final String ISSUER_ID = "ferry";

  private DevIssuerMain() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    Path out = Path.of(args[0]);
    String audience = args[1];
    long maxSeconds = args.length > 2 ? Long.parseLong(args[2]) : 1800;
    Files.createDirectories(out);
    MockOAuth2Server server = new MockOAuth2Server();
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    try {
      // Tokens minted outside a request would name "localhost"; 127.0.0.1 is what clients use.
      String issuer = "http://127.0.0.1:" + server.baseUrl().port() + "/" + ISSUER_ID;
      writeToken(
          server, issuer, out.resolve("alice.token"), audience, "alice", List.of("dev", "dba"));
      writeToken(server, issuer, out.resolve("bob.token"), audience, "bob", List.of("dev"));
      Files.writeString(out.resolve("issuer"), issuer);
      System.out.println("issuer: " + issuer);
      Thread.sleep(Duration.ofSeconds(maxSeconds).toMillis());
    } finally {
      server.shutdown();
    }
  }

  private static void writeToken(
      MockOAuth2Server server,
      String issuer,
      Path file,
      String audience,
      String user,
      List<String> groups)
      throws IOException {
    // anyToken reads its duration's milliseconds as seconds: 3600 ms is one hour.
    String token =
        server
            .anyToken(
                HttpUrl.get(issuer),
                Map.of(
                    "sub", user, "aud", audience, "email", user + "@example.com", "groups", groups),
                Duration.ofMillis(3600))
            .serialize();
    Files.writeString(file, token);
  }
}
