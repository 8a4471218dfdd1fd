package dev.ferry.cli;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static dev.ferry.testkit.GatewayFixture.AUDIENCE;
import static dev.ferry.testkit.GatewayFixture.BOB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.testkit.CliProcess;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.TcpTarget;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Token renewal in a long-running {@code ferry connect}: {@code --token-command} runs once per
 * fresh token needed and a tunnel opened after the token expired gets a new one while the open
 * tunnel carries on; {@code --token-file} is read again when the file changes.
 */
@Timeout(120)
class TokenCommandTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  static final Pattern FORWARDING = Pattern.compile("^forwarding 127\\.0\\.0\\.1:(\\d+) -> echo$");
  static final Duration RUN = Duration.ofSeconds(60);

  @TempDir Path home;
  TcpTarget echo;
  GatewayFixture.Running gw;

  @BeforeEach
  void gateway() throws Exception {
    echo = fx.target(TcpTarget.echo());
    gw = fx.gateway().proxy("echo", echo).start(); // alice by name, bob through group dba
  }

  /** A token for bob (group dba) valid for {@code hours}. */
  static String bobToken(int hours) {
    Map<String, Object> claims =
        Map.of("email", BOB, "groups", List.of("dba"), "sub", "sub-bob", "aud", List.of(AUDIENCE));
    // anyToken counts the duration's milliseconds as seconds (TOOLCHAIN.md)
    return fx.oauth()
        .anyToken(HttpUrl.get(fx.issuer()), claims, Duration.ofMillis(hours * 3600L))
        .serialize();
  }

  static Socket open(int port) throws IOException {
    Socket s = new Socket("127.0.0.1", port);
    s.setSoTimeout(20_000);
    return s;
  }

  /** One byte there and back through the tunnel. */
  static void roundTrip(Socket s, char c) throws IOException {
    s.getOutputStream().write(c);
    s.getOutputStream().flush();
    assertThat(s.getInputStream().read()).isEqualTo(c);
  }

  List<String> startedUsers() {
    return gw.audit("session.start").stream().map(n -> n.path("user").asText()).toList();
  }

  /** The users of the session.start records, in order (the audit is written asynchronously). */
  void awaitStarted(String... users) {
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(startedUsers()).containsExactly(users));
  }

  static long runs(Path count) throws IOException {
    return Files.exists(count) ? Files.readAllLines(count).size() : 0;
  }

  @Test
  void tokenCommandRenewsForNewTunnelsAndKeepsOpenOnes() throws Exception {
    Path tokenFile = home.resolve("token");
    Path count = home.resolve("runs");
    Files.writeString(tokenFile, fx.token(ALICE) + "\n");
    String command = "echo run >> '" + count + "'; cat '" + tokenFile + "'";
    try (CliProcess fwd =
        CliProcess.start(
            CliEnv.of(home),
            "connect",
            "echo",
            "--port",
            "0",
            "--token-command",
            command,
            "--gateway",
            gw.url())) {
      int port = Integer.parseInt(fwd.awaitLine(FORWARDING, RUN).group(1));
      assertThat(runs(count)).as("one run: the proxy check before listening").isEqualTo(1);

      try (Socket first = open(port)) {
        roundTrip(first, 'a');
        assertThat(runs(count)).as("the first tunnel reuses the fresh token").isEqualTo(1);
        awaitStarted(ALICE);

        // alice's token expires (for the gateway); the command now prints bob's, valid 3 h.
        fx.verifierClock().set(Instant.now().plus(Duration.ofHours(2)));
        Files.writeString(tokenFile, bobToken(3) + "\n");

        try (Socket second = open(port)) {
          roundTrip(second, 'b');
          assertThat(runs(count)).as("refused as expired, renewed once").isEqualTo(2);
          awaitStarted(ALICE, BOB);
          assertThat(gw.audit("session.denied"))
              .singleElement()
              .satisfies(d -> assertThat(d.path("reason").asText()).startsWith("token-expired"));

          roundTrip(first, 'c'); // the tunnel opened with the old token carries on
          try (Socket third = open(port)) {
            roundTrip(third, 'd');
          }
          assertThat(runs(count)).as("the fresh token serves later tunnels").isEqualTo(2);
          awaitStarted(ALICE, BOB, BOB);
        }
      }
      assertThat(fwd.stderr()).noneMatch(l -> l.startsWith("ferry: "));
      fwd.signal("INT");
      assertThat(fwd.waitFor(Duration.ofSeconds(20))).as(fwd.describe()).isZero();
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(gw.audit("session.end")).hasSize(3));
    assertThat(gw.audit("session.end"))
        .extracting(n -> n.path("reason").asText())
        .doesNotContain("token-expired");
  }

  @Test
  void tokenFileIsReadAgainWhenItChanges() throws Exception {
    Path tokenFile = home.resolve("token");
    Files.writeString(tokenFile, fx.token(ALICE) + "\n");
    try (CliProcess fwd =
        CliProcess.start(
            CliEnv.of(home),
            "connect",
            "echo",
            "--port",
            "0",
            "--token-file",
            tokenFile.toString(),
            "--gateway",
            gw.url())) {
      int port = Integer.parseInt(fwd.awaitLine(FORWARDING, RUN).group(1));
      try (Socket first = open(port)) {
        roundTrip(first, 'a');
        awaitStarted(ALICE);

        Files.writeString(tokenFile, bobToken(1) + "\n"); // rotated, as an agent would
        try (Socket second = open(port)) {
          roundTrip(second, 'b');
          awaitStarted(ALICE, BOB);
          roundTrip(first, 'c');
        }
      }
      fwd.signal("INT");
      assertThat(fwd.waitFor(Duration.ofSeconds(20))).as(fwd.describe()).isZero();
    }
    List<JsonNode> denied = gw.audit("session.denied");
    assertThat(denied).isEmpty();
  }
}
