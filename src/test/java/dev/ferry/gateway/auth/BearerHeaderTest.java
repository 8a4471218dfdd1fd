package dev.ferry.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class BearerHeaderTest {
  private static final String JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln";

  @ParameterizedTest
  @ValueSource(strings = {"Bearer ", "bearer ", "BEARER ", "BeArEr "})
  @DisplayName("the scheme is case-insensitive")
  void schemeCaseInsensitive(String prefix) throws AuthException {
    assertThat(BearerHeader.token(prefix + JWT)).isEqualTo(JWT);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"   ", "Bearer", "Bearer "})
  @DisplayName("no header or no token is MISSING")
  void missing(String header) {
    assertFailure(header, AuthFailure.MISSING);
  }

  @ParameterizedTest
  @ValueSource(strings = {"Basic YWxpY2U6c2VjcmV0", "Token abc", "Bearer:" + JWT, JWT})
  @DisplayName("another scheme is MISSING and says a Bearer token was expected")
  void otherScheme(String header) {
    assertThatThrownBy(() -> BearerHeader.token(header))
        .isInstanceOfSatisfying(
            AuthException.class, e -> assertThat(e.failure()).isEqualTo(AuthFailure.MISSING))
        .hasMessageContaining("expected a Bearer token");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Bearer " + JWT + " trailing",
        "Bearer " + JWT + " " + JWT,
        "Bearer " + JWT + "," + JWT,
        "Bearer " + JWT + "\n",
        "Bearer  " + JWT,
        "Bearer " + JWT + ".extra.parts",
        "Bearer eyJhbGciOiJSUzI1NiJ9.eyJz dWIiOiJhIn0.c2ln",
        "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0",
        "Bearer eyJhbGciOiJSUzI1NiJ9+.eyJzdWIiOiJhIn0.c2ln",
        "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln=",
      })
  @DisplayName("anything but exactly one compact JWT after the scheme is MALFORMED")
  void malformed(String header) {
    assertFailure(header, AuthFailure.MALFORMED);
  }

  @Test
  @DisplayName("the MALFORMED message never echoes the header")
  void malformedDoesNotEcho() {
    assertThatThrownBy(() -> BearerHeader.token("Bearer " + JWT + " secret-part"))
        .hasMessageNotContaining("secret-part")
        .hasMessageNotContaining(JWT);
  }

  private static void assertFailure(String header, AuthFailure failure) {
    assertThatThrownBy(() -> BearerHeader.token(header))
        .isInstanceOfSatisfying(
            AuthException.class, e -> assertThat(e.failure()).isEqualTo(failure));
  }
}
