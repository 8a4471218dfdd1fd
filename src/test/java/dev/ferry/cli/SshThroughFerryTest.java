package dev.ferry.cli;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.testkit.CliProcess;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.SshTarget;
import dev.ferry.testkit.StdioBridge;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real SSH server behind a proxy, reached with a real SSH client (MINA, host key pinned) through
 * {@code ferry connect} and through {@code ferry stdio} as a ProxyCommand.
 */
@Timeout(120)
class SshThroughFerryTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  static final Pattern FORWARDING = Pattern.compile("^forwarding 127\\.0\\.0\\.1:(\\d+) -> ssh$");
  static final byte[] PAYLOAD = new byte[3 * 1024 * 1024];

  static SshTarget ssh;
  @TempDir Path home;
  GatewayFixture.Running gw;

  @BeforeAll
  static void startSsh() throws Exception {
    new Random(42).nextBytes(PAYLOAD);
    ssh = SshTarget.start();
  }

  @AfterAll
  static void stopSsh() throws Exception {
    if (ssh != null) {
      ssh.close();
    }
  }

  @BeforeEach
  void gateway() throws Exception {
    gw = fx.gateway().proxy("ssh", ssh.address(), GatewayFixture.relaxed()).start();
  }

  @Test
  void execThroughConnect() throws Exception {
    try (CliProcess fwd =
            CliProcess.start(
                CliEnv.withToken(home, fx.token(ALICE)),
                "connect",
                "ssh",
                "--port",
                "0",
                "--gateway",
                gw.url());
        SshTarget.Client client = ssh.client()) {
      int port = Integer.parseInt(fwd.awaitLine(FORWARDING, Duration.ofSeconds(60)).group(1));

      SshTarget.ExecResult echo = client.exec("127.0.0.1", port, "echo through ferry", null);
      assertThat(echo.exitStatus()).isZero();
      assertThat(echo.stdoutText()).isEqualTo("through ferry\n");

      SshTarget.ExecResult sha = client.exec("127.0.0.1", port, "sha256", PAYLOAD);
      assertThat(sha.exitStatus()).isZero();
      assertThat(sha.stdoutText()).isEqualTo(SshTarget.sha256Hex(PAYLOAD) + "\n");

      fwd.signal("INT");
      assertThat(fwd.waitFor(Duration.ofSeconds(20))).as(fwd.describe()).isZero();
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(gw.audit("session.end")).hasSize(2));
    assertThat(gw.audit("session.end").get(1).path("bytesUp").asLong())
        .isGreaterThan(PAYLOAD.length);
  }

  @Test
  void execThroughStdioAsProxyCommand() throws Exception {
    try (StdioBridge bridge =
            StdioBridge.start(
                CliProcess.command("stdio", "ssh", "--gateway", gw.url()),
                CliEnv.withToken(home, fx.token(ALICE)));
        SshTarget.Client client = ssh.client()) {
      SshTarget.ExecResult echo = client.exec(bridge.host(), bridge.port(), "echo via stdio", null);
      assertThat(echo.exitStatus()).isZero();
      assertThat(echo.stdoutText()).isEqualTo("via stdio\n");
      StdioBridge.Connection first = bridge.connection(0, Duration.ofSeconds(5));
      assertThat(first.awaitExit(Duration.ofSeconds(20))).as(first.stderr()).isZero();

      SshTarget.ExecResult sha = client.exec(bridge.host(), bridge.port(), "sha256", PAYLOAD);
      assertThat(sha.exitStatus()).isZero();
      assertThat(sha.stdoutText()).isEqualTo(SshTarget.sha256Hex(PAYLOAD) + "\n");
      StdioBridge.Connection second = bridge.connection(1, Duration.ofSeconds(5));
      assertThat(second.awaitExit(Duration.ofSeconds(20))).as(second.stderr()).isZero();
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(gw.audit("session.end")).hasSize(2));
    assertThat(gw.audit("session.end"))
        .allSatisfy(e -> assertThat(e.path("user").asText()).isEqualTo(ALICE));
  }
}
