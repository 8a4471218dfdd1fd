package dev.ferry.cli;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static dev.ferry.testkit.LoopbackClient.echo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.testkit.CliProcess;
import dev.ferry.testkit.CountingTcpTarget;
import dev.ferry.testkit.CuttingProxy;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.LoopbackClient;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the CLI says while a tunnel resumes: {@code ferry connect} prints one stderr line when the
 * gateway connection drops and one when it is back; {@code ferry stdio} keeps stdout for the stream
 * and only logs.
 */
@Timeout(180)
class ConnectResumeOutputTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  static final Duration START = Duration.ofSeconds(60);

  static final Pattern FORWARDING = Pattern.compile("^forwarding 127\\.0\\.0\\.1:(\\d+) -> echo$");

  @TempDir Path home;

  @Test
  @DisplayName("ferry connect: 'interrupted ... resuming' while the cut is held, then 'resumed'")
  void connectPrintsInterruptedAndResumed() throws Exception {
    CountingTcpTarget target = fx.closeAfter(CountingTcpTarget.start());
    GatewayFixture.Running gw =
        fx.gateway().proxy("echo", target.address(), GatewayFixture.relaxed()).start().warmUp();
    CuttingProxy cutter = fx.closeAfter(CuttingProxy.start(gw.port()));
    String url = "http://127.0.0.1:" + cutter.port();
    try (CliProcess connect =
        CliProcess.start(
            CliEnv.withToken(home, fx.token(ALICE)),
            "connect",
            "echo",
            "--gateway",
            url,
            "--port",
            "0")) {
      int local = Integer.parseInt(connect.awaitLine(FORWARDING, START).group(1));
      try (Socket s = LoopbackClient.connect(local, START)) {
        echo(s, "before the cut");
        String from = "^ferry: connection from 127\\.0\\.0\\.1:" + s.getLocalPort() + " ";

        cutter.refuseNew(true);
        // The tunnel's WebSocket, and the connection ferry connect asked /v1 over if still open.
        assertThat(cutter.cut()).isPositive();
        connect.awaitLine(
            Pattern.compile(from + "interrupted: gateway connection lost \\(.+\\); resuming$"),
            START);
        int accepted = cutter.accepted();
        await().atMost(START).until(() -> cutter.accepted() > accepted);
        assertThat(connect.stderr()).noneMatch(l -> l.contains(" resumed after "));

        cutter.refuseNew(false);
        Matcher back =
            connect.awaitLine(
                Pattern.compile(from + "resumed after \\d+\\.\\ds \\((\\d+) attempts?\\)$"), START);
        assertThat(Integer.parseInt(back.group(1))).isGreaterThanOrEqualTo(2);
        echo(s, "after the resume");
      }
      assertThat(connect.stdout()).as(connect::describe).hasSize(1);
      assertThat(connect.stderr())
          .as(connect::describe)
          .filteredOn(l -> l.startsWith("ferry: "))
          .hasSize(2);
    }
    assertThat(target.acceptedCount()).as("one upstream connection throughout").isEqualTo(1);
  }

  @Test
  @DisplayName("ferry stdio: stdout carries only the stream through a cut; stderr logs the resume")
  void stdioKeepsStdoutClean() throws Exception {
    CountingTcpTarget target = fx.closeAfter(CountingTcpTarget.start());
    GatewayFixture.Running gw =
        fx.gateway().proxy("echo", target.address(), GatewayFixture.relaxed()).start().warmUp();
    CuttingProxy cutter = fx.closeAfter(CuttingProxy.start(gw.port()));
    String url = "http://127.0.0.1:" + cutter.port();
    try (CliProcess stdio =
        CliProcess.start(
            CliEnv.withToken(home, fx.token(ALICE)), "stdio", "echo", "--gateway", url)) {
      stdio.echoLine("before the cut", START);
      assertThat(cutter.cut()).isEqualTo(1);
      stdio.awaitLine(Pattern.compile("gateway connection lost \\(.+\\); resuming$"), START);
      stdio.awaitLine(Pattern.compile("gateway connection resumed after \\d+ ms"), START);
      stdio.echoLine("after the cut", START);
      stdio.stdin().close();
      assertThat(stdio.waitFor(START)).as(stdio::describe).isZero();
      assertThat(stdio.stdout()).containsExactly("before the cut", "after the cut");
      assertThat(stdio.stderr()).as(stdio::describe).noneMatch(l -> l.startsWith("ferry: "));
    }
  }
}
