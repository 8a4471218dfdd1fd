package dev.ferry.cli;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static dev.ferry.testkit.GatewayFixture.AUDIENCE;
import static dev.ferry.testkit.GatewayFixture.CLIENT_ID;
import static dev.ferry.testkit.GatewayFixture.ISSUER_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.client.auth.RefreshTokenStores;
import dev.ferry.testkit.CliProcess;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.TcpTarget;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry login --no-browser} against the real gateway and OIDC provider, with the test
 * playing the browser: the printed URL, the provider's redirect, the CLI's loopback receiver.
 */
@Timeout(120)
class LoginCommandTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  static final Duration RUN = Duration.ofSeconds(60);
  static final Pattern OPEN_URL = Pattern.compile("^open this URL to sign in: (\\S+)$");
  static boolean keyring;

  @TempDir Path home;
  GatewayFixture.Running gw;

  @BeforeAll
  static void probeKeyring() {
    keyring = RefreshTokenStores.keyring().isPresent();
  }

  @BeforeEach
  void gateway() throws Exception {
    TcpTarget echo = fx.target(TcpTarget.echo());
    // The ID tokens `ferry login` obtains are issued to the CLI's client id.
    gw = fx.gateway().audiences(AUDIENCE, CLIENT_ID).proxy("db", echo).start();
  }

  /** Runs {@code ferry login --no-browser} and plays the browser; returns the finished process. */
  CliProcess.Result login() throws Exception {
    fx.oauth()
        .enqueueCallback(
            new DefaultOAuth2TokenCallback(
                ISSUER_ID,
                "alice-sub",
                "JWT",
                List.of(CLIENT_ID),
                Map.of("email", ALICE, "groups", List.of("dba")),
                3600));
    try (CliProcess login =
        CliProcess.start(
            CliEnv.of(home), "login", "--gateway", gw.url(), "--no-browser", "--timeout", "60")) {
      URI authorize = URI.create(login.awaitLine(OPEN_URL, RUN).group(1));
      assertThat(authorize.toString()).startsWith(fx.issuer() + "/authorize?");
      HttpClient browser =
          HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
      HttpResponse<String> toApp =
          browser.send(
              HttpRequest.newBuilder(authorize).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(toApp.statusCode()).isEqualTo(302);
      URI callback = URI.create(toApp.headers().firstValue("Location").orElseThrow());
      assertThat(callback.getHost()).isEqualTo("127.0.0.1");
      HttpResponse<String> page =
          browser.send(
              HttpRequest.newBuilder(callback).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
      int code = login.waitFor(RUN);
      return new CliProcess.Result(code, login.stdout(), login.stderr());
    }
  }

  @Test
  void signsInWithoutABrowserAndKeepsNoTokenInTheStateFile() throws Exception {
    CliProcess.Result r = login();
    assertThat(r.exitCode()).as(r.stdoutText() + "\n" + r.stderrText()).isZero();
    assertThat(r.stdoutText()).contains("signed in to " + gw.url() + " as " + ALICE);

    Path state = home.resolve(".config").resolve("ferry").resolve("client.json");
    assertThat(state).exists();
    String text = Files.readString(state);
    JsonNode json = new ObjectMapper().readTree(text);
    assertThat(json.toString()).contains(gw.url());
    assertThat(text).doesNotContain("eyJ"); // no JWT, no refresh token
    if (keyring) {
      assertThat(r.stdoutText()).contains("sign-in kept in");
    } else {
      assertThat(r.stdoutText()).contains("kept in memory only");
    }
  }

  @Test
  void storedLoginServesListUntilLogout() throws Exception {
    assumeTrue(
        keyring,
        "no Secret Service keyring in this session (CI runs the suite in dbus-run-session with"
            + " gnome-keyring unlocked): the stored-login path cannot be exercised here");
    CliProcess.Result signedIn = login();
    assertThat(signedIn.exitCode()).as(signedIn.stderrText()).isZero();

    // No --gateway, no token env: the last login names both.
    CliProcess.Result list = CliProcess.run(RUN, CliEnv.of(home), "list");
    assertThat(list.exitCode()).as(list.stdoutText() + "\n" + list.stderrText()).isZero();
    assertThat(list.stdoutText()).contains("db");

    CliProcess.Result logout = CliProcess.run(RUN, CliEnv.of(home), "logout");
    assertThat(logout.exitCode()).as(logout.stderrText()).isZero();
    assertThat(logout.stdoutText()).contains("signed out of " + fx.issuer());

    CliProcess.Result after = CliProcess.run(RUN, CliEnv.of(home), "list");
    assertThat(after.exitCode()).as(after.stderrText()).isEqualTo(2);
    assertThat(after.stderr()).singleElement().asString().startsWith("ferry: not signed in");
  }
}
