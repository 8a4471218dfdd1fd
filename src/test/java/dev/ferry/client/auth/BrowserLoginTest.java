package dev.ferry.client.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class BrowserLoginTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  private MockIssuer issuer;

  @BeforeEach
  void start() throws Exception {
    issuer = new MockIssuer();
  }

  @AfterEach
  void stop() {
    issuer.close();
  }

  private LoginResult login(FakeBrowser browser) throws TokenException {
    return new BrowserLogin(issuer.settings(), browser::open, TIMEOUT, OidcHttp.defaultClient())
        .login();
  }

  @Test
  @DisplayName("the full browser login yields a verified ID token with user and groups")
  void fullLogin() throws Exception {
    issuer.nextUser("alice-sub", "alice@example.com", List.of("dba", "dev"));
    try (FakeBrowser browser = new FakeBrowser()) {
      LoginResult result = login(browser);

      Map<String, String> query = query(browser.opened.get());
      assertThat(query)
          .containsEntry("response_type", "code")
          .containsEntry("client_id", MockIssuer.CLIENT_ID)
          .containsEntry("code_challenge_method", "S256")
          .containsKeys("state", "nonce", "code_challenge");
      assertThat(query.get("state")).hasSizeGreaterThanOrEqualTo(32);
      assertThat(query.get("nonce")).hasSizeGreaterThanOrEqualTo(32);
      assertThat(query.get("scope").split(" ")).contains("openid", "email");
      assertThat(query.get("redirect_uri")).matches("http://127\\.0\\.0\\.1:\\d+/.*");

      assertThat(result.user()).isEqualTo("alice@example.com");
      assertThat(result.groups()).containsExactly("dba", "dev");
      assertThat(result.refreshToken()).isNotBlank();
      SignedJWT jwt = SignedJWT.parse(result.idToken());
      assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo(issuer.issuer().toString());
      assertThat(jwt.getJWTClaimsSet().getAudience()).contains(MockIssuer.CLIENT_ID);
      assertThat(jwt.getJWTClaimsSet().getClaim("nonce")).isEqualTo(query.get("nonce"));
      assertThat(result.expiresAt())
          .isEqualTo(jwt.getJWTClaimsSet().getExpirationTime().toInstant());
      assertThat(result.toString()).doesNotContain(result.idToken(), result.refreshToken());

      HttpResponse<String> page = browser.callbackResponse.get(10, TimeUnit.SECONDS);
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).containsIgnoringCase("you can close this tab");
    }
  }

  @Test
  @DisplayName("a callback with a foreign state is refused before any code exchange")
  void wrongStateRefused() throws Exception {
    issuer.nextUser("alice-sub", "alice@example.com", List.of());
    try (FakeBrowser browser =
        new FakeBrowser(
            location ->
                URI.create(location.toString().replaceAll("state=[^&]*", "state=forged")))) {
      assertThatThrownBy(() -> login(browser))
          .isInstanceOf(TokenException.class)
          .hasMessageContaining("state does not match");
      assertThat(browser.callbackResponse.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(400);
    }
    assertThat(issuer.takeRequestPaths()).noneMatch(path -> path.endsWith("/token"));
  }

  @Test
  @DisplayName("an error=access_denied callback is refused with the provider's reason")
  void accessDeniedRefused() throws Exception {
    try (FakeBrowser browser =
        new FakeBrowser(
            location -> {
              String state = query(location).get("state");
              return URI.create(
                  location.toString().replaceFirst("\\?.*", "")
                      + "?error=access_denied&error_description=User+said+no&state="
                      + state);
            })) {
      assertThatThrownBy(() -> login(browser))
          .isInstanceOf(TokenException.class)
          .hasMessageContaining("access_denied")
          .hasMessageContaining("User said no");
    }
    assertThat(issuer.takeRequestPaths()).noneMatch(path -> path.endsWith("/token"));
  }

  @Test
  @DisplayName("the loopback port is closed once the login is over")
  void receiverClosedAfterLogin() throws Exception {
    issuer.nextUser("bob-sub", "bob@example.com", List.of());
    int port;
    try (FakeBrowser browser = new FakeBrowser()) {
      login(browser);
      port = URI.create(query(browser.opened.get()).get("redirect_uri")).getPort();
    }
    assertThatThrownBy(
            () -> {
              try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
              }
            })
        .isInstanceOf(ConnectException.class);
  }

  @Test
  @DisplayName("a login nobody completes ends after its timeout, and its port is closed")
  void timesOut() throws Exception {
    URI[] opened = new URI[1];
    BrowserLogin login =
        new BrowserLogin(
            issuer.settings(),
            url -> opened[0] = url,
            Duration.ofSeconds(1),
            OidcHttp.defaultClient());
    assertThatThrownBy(login::login)
        .isInstanceOf(TokenException.class)
        .hasMessageContaining("no sign-in completed within");
    int port = URI.create(query(opened[0]).get("redirect_uri")).getPort();
    assertThatThrownBy(
            () -> {
              try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
              }
            })
        .isInstanceOf(IOException.class);
  }

  @Test
  @DisplayName("discovery must name exactly the issuer we asked for")
  void issuerMismatchRefused() {
    OidcClientSettings sloppy =
        new OidcClientSettings(
            URI.create(issuer.issuer() + "/"), MockIssuer.CLIENT_ID, List.of("openid"));
    assertThatThrownBy(
            () -> new BrowserLogin(sloppy, url -> {}, TIMEOUT, OidcHttp.defaultClient()).login())
        .isInstanceOf(TokenException.class)
        .hasMessageContaining("expected exactly");
  }

  static Map<String, String> query(URI uri) {
    return Arrays.stream(uri.getRawQuery().split("&"))
        .map(pair -> pair.split("=", 2))
        .collect(
            Collectors.toMap(
                kv -> URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                kv -> kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : ""));
  }
}
