package dev.ferry.cli;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.testkit.CliProcess;
import dev.ferry.testkit.CountingTcpTarget;
import dev.ferry.testkit.CuttingProxy;
import dev.ferry.testkit.GatewayFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code ferry stdio} as a process: its tunnel survives dropped WebSockets, and it ends its
 * resumable session properly when a signal stops it.
 */
@Timeout(180)
class StdioCommandTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  static final Duration START = Duration.ofSeconds(60);

  /** Well below the 60 s resume window after which the gateway would end the session itself. */
  static final Duration PROMPTLY = Duration.ofSeconds(30);

  @TempDir Path home;

  @Test
  @DisplayName("the WebSocket cut twice under a live stdio tunnel: lines keep echoing, exit 0")
  void survivesCuts() throws Exception {
    CountingTcpTarget target = fx.closeAfter(CountingTcpTarget.start());
    GatewayFixture.Running gw =
        fx.gateway().proxy("echo", target.address(), GatewayFixture.relaxed()).start().warmUp();
    CuttingProxy cutter = fx.closeAfter(CuttingProxy.start(gw.port()));
    String url = "http://127.0.0.1:" + cutter.port();
    try (CliProcess stdio =
        CliProcess.start(
            CliEnv.withToken(home, fx.token(ALICE)), "stdio", "echo", "--gateway", url)) {
      stdio.echoLine("before the cuts", START);
      for (int i = 1; i <= 2; i++) {
        assertThat(cutter.cut()).as("WebSockets cut").isEqualTo(1);
        stdio.echoLine("after cut " + i, START);
      }
      stdio.stdin().close(); // EOF up; the echo target then ends its side: EOF down
      assertThat(stdio.waitFor(START)).as(stdio::describe).isZero();
      assertThat(stdio.stderr()).as(stdio::describe).noneMatch(l -> l.startsWith("ferry: "));
    }
    assertThat(gw.awaitOnlySessionEnd(PROMPTLY).path("reason").asText()).isEqualTo("completed");
    assertThat(target.acceptedCount()).as("one upstream connection throughout").isEqualTo(1);
    assertThat(gw.resumes("echo", "ok")).isEqualTo(2);
  }

  /**
   * ssh ends its ProxyCommand with SIGHUP at the end of a session, no goodbye on the streams. The
   * session is resumable, so a tunnel that merely vanished would be held by the gateway for its
   * whole resume window (60 s here): instead the signal makes {@code ferry stdio} close the tunnel
   * with a close frame, and the gateway audits the end at once as {@code client-closed}, never
   * {@code resume-timeout}.
   */
  @ParameterizedTest(name = "SIG{0}")
  @ValueSource(strings = {"HUP", "TERM"})
  @DisplayName("a signal closes the tunnel with a close frame: session.end client-closed, exit 0")
  void signalEndsTheSessionAtOnce(String signal) throws Exception {
    CountingTcpTarget target = fx.closeAfter(CountingTcpTarget.start());
    GatewayFixture.Running gw =
        fx.gateway()
            .proxy(
                "echo",
                target.address(),
                GatewayFixture.relaxed().withResumeWindow(Duration.ofSeconds(60)))
            .start()
            .warmUp();
    try (CliProcess stdio =
        CliProcess.start(
            CliEnv.withToken(home, fx.token(ALICE)), "stdio", "echo", "--gateway", gw.url())) {
      stdio.stdin().write("hello\n".getBytes(StandardCharsets.UTF_8));
      stdio.stdin().flush();
      stdio.awaitLine(Pattern.compile("^hello$"), START);
      assertThat(gw.audit("session.start")).hasSize(1);

      stdio.signal(signal);
      assertThat(stdio.waitFor(PROMPTLY)).as(stdio::describe).isZero();
      assertThat(stdio.stderr()).as(stdio::describe).noneMatch(l -> l.startsWith("ferry: "));
    }
    assertThat(gw.awaitOnlySessionEnd(PROMPTLY).path("reason").asText())
        .as("audit: %s", gw.auditLines())
        .isEqualTo("client-closed");
    await().atMost(Duration.ofSeconds(10)).until(() -> target.openCount() == 0);
  }
}
