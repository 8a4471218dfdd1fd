package dev.ferry.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TargetTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "db.internal:5432, db.internal, 5432",
    "10.0.0.7:22, 10.0.0.7, 22",
    "redis_1:6379, redis_1, 6379",
    "[::1]:6379, ::1, 6379",
    "[fd00::6]:65535, fd00::6, 65535",
    "localhost:1, localhost, 1"
  })
  void parsesHostAndPort(String text, String host, int port) {
    Target target = Target.parse(text);
    assertThat(target).isEqualTo(new Target(host, port));
    assertThat(target).hasToString(text);
  }

  @ParameterizedTest(name = "''{0}'' {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "db.internal        | must be host:port or [ipv6]:port",
        "db.internal:       | must have a port between 1 and 65535",
        "db.internal:0      | must have a port between 1 and 65535",
        "db.internal:65536  | must have a port between 1 and 65535",
        "db.internal:54321x | must have a port between 1 and 65535",
        ":5432              | has an empty host",
        "[]:5432            | has an empty host",
        "db internal:5432   | must not contain spaces",
        "tcp://db:5432      | must be host:port without a scheme",
        "db:5432/orders     | must be host:port without a path",
        "::1:5432           | must put an IPv6 address in brackets, e.g. [::1]:5432",
        "[::1]5432          | must be host:port or [ipv6]:port",
        "[db.internal]:5432 | has an invalid IPv6 address",
        "user@db:5432       | has an invalid host"
      })
  void rejectsMalformedTargets(String text, String problem) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> Target.parse(text))
        .withMessage("'" + text + "' " + problem);
  }
}
