package dev.ferry.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource({"500ms, PT0.5S", "30s, PT30S", "30m, PT30M", "8h, PT8H", "1ms, PT0.001S"})
  void parsesEachUnit(String text, Duration expected) {
    assertThat(Durations.parse(text)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "''{0}'' is rejected")
  @ValueSource(
      strings = {"", "30", "s", "1d", "1.5h", "-5s", "0s", "0ms", " 5s", "5 s", "5S", "1h30m"})
  void rejectsAnythingElse(String text) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Durations.parse(text))
        .withMessageStartingWith("invalid duration '" + text + "'");
  }

  @Test
  void rejectsNumbersTooLargeForADuration() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Durations.parse("99999999999999999999h"))
        .withMessageContaining("too long");
  }

  @ParameterizedTest(name = "{0} round-trips")
  @ValueSource(strings = {"500ms", "1500ms", "30s", "90s", "30m", "90m", "8h", "12h", "1ms"})
  void formatIsTheInverseOfParse(String text) {
    assertThat(Durations.format(Durations.parse(text))).isEqualTo(text);
  }

  @ParameterizedTest(name = "{0} formats as {1}")
  @CsvSource({"PT1H, 1h", "PT60M, 1h", "PT120S, 2m", "PT1.5S, 1500ms", "PT0S, 0ms"})
  void formatPicksTheLargestExactUnit(Duration duration, String expected) {
    assertThat(Durations.format(duration)).isEqualTo(expected);
  }

  @Test
  @DisplayName("format drops sub-millisecond parts and refuses negative durations")
  void formatEdges() {
    assertThat(Durations.format(Duration.ofNanos(1_500_000))).isEqualTo("1ms");
    assertThatIllegalArgumentException().isThrownBy(() -> Durations.format(Duration.ofSeconds(-1)));
  }
}
