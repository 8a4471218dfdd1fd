package dev.ferry.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SafeTextTest {
  @Test
  @DisplayName("control and format characters are dropped")
  void stripsControls() {
    assertThat(SafeText.of("https://evil\r\n{\"event\":\"fake\"}\u001b[2J\u2028\u202e"))
        .isEqualTo("https://evil{\"event\":\"fake\"}[2J");
  }

  @Test
  @DisplayName("long values are capped")
  void caps() {
    assertThat(SafeText.of("x".repeat(5000))).hasSize(SafeText.MAX_LENGTH + 3).endsWith("...");
  }

  @Test
  @DisplayName("null reads as (none)")
  void nullValue() {
    assertThat(SafeText.of(null)).isEqualTo("(none)");
  }
}
