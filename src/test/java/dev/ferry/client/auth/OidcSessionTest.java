package dev.ferry.client.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class OidcSessionTest {

  private MockIssuer issuer;
  private final MemoryRefreshTokenStore store = new MemoryRefreshTokenStore();
  private LoginResult login;

  @BeforeEach
  void signIn() throws Exception {
    issuer = new MockIssuer();
    issuer.nextUser("alice-sub", "alice@example.com", List.of("dba"));
    try (FakeBrowser browser = new FakeBrowser()) {
      login =
          new BrowserLogin(
                  issuer.settings(),
                  browser::open,
                  Duration.ofSeconds(20),
                  OidcHttp.defaultClient())
              .login();
    }
    new OidcSession(issuer.settings(), store).remember(login);
    issuer.takeRequestPaths(); // forget the login's own requests
  }

  @AfterEach
  void stop() {
    issuer.close();
  }

  @Test
  @DisplayName("a stored refresh token yields a fresh, verified ID token")
  void refreshes() throws Exception {
    OidcSession session = new OidcSession(issuer.settings(), store);
    LoginResult fresh = session.refresh();

    assertThat(fresh.idToken()).isNotEqualTo(login.idToken());
    assertThat(fresh.user()).isEqualTo("alice@example.com");
    assertThat(fresh.groups()).containsExactly("dba");
    assertThat(SignedJWT.parse(fresh.idToken()).getJWTClaimsSet().getAudience())
        .contains(MockIssuer.CLIENT_ID);
    assertThat(fresh.refreshToken()).isEqualTo(store.load(issuer.settings().storeKey()).get());
    // mock-oauth2-server 6.0.2 hands back the same refresh token: no rotation (tested below).
    assertThat(fresh.refreshToken()).isEqualTo(login.refreshToken());
  }

  @Test
  @DisplayName("20 threads asking at once cause exactly one token request")
  void singleFlight() throws Exception {
    LoginTokenSource source = new LoginTokenSource(new OidcSession(issuer.settings(), store));
    int threads = 20;
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        Callable<String> ask =
            () -> {
              go.await();
              return source.token();
            };
        results.add(pool.submit(ask));
      }
      go.countDown();
      List<String> tokens = new ArrayList<>();
      for (Future<String> result : results) {
        tokens.add(result.get(20, TimeUnit.SECONDS));
      }
      assertThat(tokens).hasSize(threads).containsOnly(tokens.get(0));
    } finally {
      pool.shutdownNow();
    }
    assertThat(issuer.tokenRequests()).isEqualTo(1);
  }

  @Test
  @DisplayName("a rotated refresh token replaces the stored one")
  void keepsRotatedRefreshToken() throws Exception {
    try (StubProvider stub = new StubProvider()) {
      MemoryRefreshTokenStore stubStore = new MemoryRefreshTokenStore();
      stubStore.save(stub.settings().storeKey(), "old-refresh-token");
      String idToken = stub.sign(stub.validClaims().build());
      stub.answer(200, "{\"id_token\":\"" + idToken + "\",\"refresh_token\":\"rotated\"}");

      LoginResult fresh = new OidcSession(stub.settings(), stubStore).refresh();

      assertThat(fresh.idToken()).isEqualTo(idToken);
      assertThat(fresh.user()).isEqualTo("carol@example.com");
      assertThat(fresh.refreshToken()).isEqualTo("rotated");
      assertThat(stubStore.load(stub.settings().storeKey())).contains("rotated");
    }
  }

  @Test
  @DisplayName("a refused refresh names the provider's error and says to sign in again")
  void refusedRefresh() throws Exception {
    try (StubProvider stub = new StubProvider()) {
      MemoryRefreshTokenStore stubStore = new MemoryRefreshTokenStore();
      stubStore.save(stub.settings().storeKey(), "revoked");
      stub.answer(400, "{\"error\":\"invalid_grant\",\"error_description\":\"expired\"}");

      assertThatThrownBy(() -> new OidcSession(stub.settings(), stubStore).refresh())
          .isInstanceOf(TokenException.class)
          .hasMessageContaining("invalid_grant (expired)")
          .hasMessageEndingWith("run ferry login");
    }
  }

  @Test
  @DisplayName("nothing stored: 'not signed in: run ferry login'")
  void notSignedIn() {
    LoginTokenSource source =
        new LoginTokenSource(new OidcSession(issuer.settings(), new MemoryRefreshTokenStore()));
    assertThatThrownBy(source::token)
        .isInstanceOf(TokenException.class)
        .hasMessage("not signed in: run ferry login");
  }

  @Test
  @DisplayName("currentExpiry: null before a token, then the exp of the token handed out")
  void currentExpiry() throws Exception {
    LoginTokenSource source = new LoginTokenSource(new OidcSession(issuer.settings(), store));
    assertThat(source.currentExpiry()).isNull();
    String token = source.token();
    assertThat(source.currentExpiry())
        .isEqualTo(SignedJWT.parse(token).getJWTClaimsSet().getExpirationTime().toInstant());
    source.invalidate(token);
    assertThat(source.currentExpiry()).isNull();
  }

  @Test
  @DisplayName("tokenIfReady: null before a token and after invalidate, never a token request")
  void tokenIfReady() throws Exception {
    LoginTokenSource source = new LoginTokenSource(new OidcSession(issuer.settings(), store));
    assertThat(source.tokenIfReady()).isNull();
    assertThat(issuer.tokenRequests()).isZero();
    String token = source.token();
    assertThat(source.tokenIfReady()).isEqualTo(token);
    source.invalidate(token);
    assertThat(source.tokenIfReady()).isNull();
    assertThat(issuer.tokenRequests()).isEqualTo(1);
  }
}
