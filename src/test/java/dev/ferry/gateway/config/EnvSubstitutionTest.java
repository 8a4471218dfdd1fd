package dev.ferry.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EnvSubstitutionTest {
  private final EnvSubstitution env =
      new EnvSubstitution(Map.of("HOST", "db.internal", "PORT", "5432", "EMPTY", ""));

  @ParameterizedTest(name = "''{0}'' -> ''{1}''")
  @CsvSource(
      delimiter = '|',
      emptyValue = "",
      value = {
        "plain                  | plain",
        "${HOST}                | db.internal",
        "${HOST}:${PORT}        | db.internal:5432",
        "${MISSING:-fallback}   | fallback",
        "${HOST:-fallback}      | db.internal",
        "${EMPTY:-fallback}     | fallback",
        "${EMPTY}               | ''",
        "${MISSING:-}           | ''",
        "${MISSING:-a:b-c}      | a:b-c",
        "$HOST and $ alone      | $HOST and $ alone"
      })
  void substitutes(String text, String expected) {
    assertThat(env.apply(text)).isEqualTo(expected);
  }

  @Test
  void anUnsetVariableWithoutDefaultIsAnError() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> env.apply("${HOST}:${DB_PORT}"))
        .withMessage("environment variable DB_PORT is not set");
  }

  @Test
  void malformedReferencesAreErrors() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> env.apply("${HOST"))
        .withMessage("unterminated ${ in '${HOST'");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> env.apply("${1X}"))
        .withMessage("invalid environment variable reference '${1X}'");
  }
}
