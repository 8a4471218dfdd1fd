package dev.ferry.client.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenSourcesTest {

  private static final TokenSource LOGIN =
      new TokenSource() {
        @Override
        public String token() {
          return "from-login";
        }

        @Override
        public String describe() {
          return "login";
        }
      };

  private static final Supplier<TokenSource> NO_LOGIN_EXPECTED =
      () -> {
        throw new AssertionError("the stored login must not be consulted");
      };

  @Test
  @DisplayName("a file source is always asked through token(): it stats the file each time")
  void fileIsNeverReady() {
    assertThat(new FileTokenSource(Path.of("/run/token")).tokenIfReady()).isNull();
  }

  @Test
  @DisplayName("--token-file wins over everything")
  void fileFirst() {
    TokenSource source =
        TokenSources.resolve(
            Path.of("/run/token"), "echo x", Map.of("FERRY_TOKEN", "env"), NO_LOGIN_EXPECTED);
    assertThat(source).isInstanceOf(FileTokenSource.class);
    assertThat(source.describe()).isEqualTo("--token-file /run/token");
  }

  @Test
  @DisplayName("--token-command comes next")
  void commandSecond() {
    TokenSource source =
        TokenSources.resolve(null, "echo x", Map.of("FERRY_TOKEN", "env"), NO_LOGIN_EXPECTED);
    assertThat(source).isInstanceOf(CommandTokenSource.class);
  }

  @Test
  @DisplayName("then $FERRY_TOKEN")
  void envThird() throws Exception {
    TokenSource source =
        TokenSources.resolve(null, null, Map.of("FERRY_TOKEN", "env-token"), NO_LOGIN_EXPECTED);
    assertThat(source.token()).isEqualTo("env-token");
    assertThat(source.tokenIfReady()).as("held in memory, never blocks").isEqualTo("env-token");
    assertThat(source.describe()).isEqualTo("FERRY_TOKEN");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  "})
  @DisplayName("an empty $FERRY_TOKEN counts as unset: the stored login is used")
  void emptyEnvIsUnset(String value) {
    assertThat(TokenSources.resolve(null, null, Map.of("FERRY_TOKEN", value), () -> LOGIN))
        .isSameAs(LOGIN);
  }

  @Test
  @DisplayName("nothing given: the stored login")
  void loginLast() {
    assertThat(TokenSources.resolve(null, null, Map.of(), () -> LOGIN)).isSameAs(LOGIN);
  }
}
