package dev.ferry.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CliProcessTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  @DisplayName("run(--version): the CLI in its own JVM prints 'ferry <version>' and exits 0")
  void version() throws Exception {
    CliProcess.Result r = CliProcess.run(WAIT, Map.of(), "--version");
    assertThat(r.exitCode()).as(r.stderrText()).isZero();
    assertThat(r.stdout()).anyMatch(line -> line.matches("ferry \\S+"));
  }

  @Test
  @DisplayName("awaitLine returns the matcher of the first matching line, stdout or stderr")
  void awaitLine() throws Exception {
    try (CliProcess p =
        CliProcess.start(
            List.of("sh", "-c", "echo 'listening on 127.0.0.1:4242'; echo 'warn: x' >&2; cat"),
            Map.of())) {
      Matcher m = p.awaitLine(Pattern.compile("127\\.0\\.0\\.1:(\\d+)"), WAIT);
      assertThat(m.group(1)).isEqualTo("4242");
      assertThat(p.awaitLine(Pattern.compile("^warn: (.*)"), WAIT).group(1)).isEqualTo("x");
      // stdin reaches the process; closing it ends cat
      p.stdin().write("typed\n".getBytes(StandardCharsets.UTF_8));
      p.stdin().close();
      assertThat(p.waitFor(WAIT)).isZero();
      assertThat(p.stdout()).containsExactly("listening on 127.0.0.1:4242", "typed");
      assertThat(p.stderr()).containsExactly("warn: x");
    }
  }

  @Test
  @DisplayName("awaitLine fails at once, with the output, when the process ended without it")
  void awaitLineFailsWhenProcessEnds() throws Exception {
    try (CliProcess p = CliProcess.start(List.of("sh", "-c", "echo something else"), Map.of())) {
      assertThatThrownBy(() -> p.awaitLine(Pattern.compile("never"), WAIT))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("ended")
          .hasMessageContaining("something else");
    }
  }

  @Test
  @DisplayName("env overrides and UNSET removes inherited variables")
  void environment() throws Exception {
    try (CliProcess p =
        CliProcess.start(
            List.of("sh", "-c", "echo \"${FERRY_TOKEN-unset} ${FERRY_GATEWAY}\""),
            Map.of("FERRY_TOKEN", CliProcess.UNSET, "FERRY_GATEWAY", "http://127.0.0.1:1"))) {
      assertThat(p.waitFor(WAIT)).isZero();
      assertThat(p.stdout()).containsExactly("unset http://127.0.0.1:1");
    }
  }

  @Test
  @DisplayName("signal(TERM) reaches a child JVM")
  void signalTerm() throws Exception {
    try (CountingTcpTarget target = CountingTcpTarget.start();
        CliProcess p =
            CliProcess.start(
                CliProcess.javaCommand(
                    TcpStdioMain.class.getName(), target.host(), Integer.toString(target.port())),
                Map.of())) {
      await().atMost(WAIT).until(() -> target.acceptedCount() == 1);
      p.signal("TERM");
      assertThat(p.waitFor(WAIT)).isEqualTo(128 + 15);
    }
  }
}
