package dev.ferry.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class StdioBridgeTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  @DisplayName("cat: bytes go through the process and back, and half-close is carried both ways")
  void catEchoesWithHalfClose() throws Exception {
    byte[] payload = new byte[300_000];
    new Random(7).nextBytes(payload);
    try (StdioBridge bridge = StdioBridge.start(List.of("cat"), Map.of())) {
      try (Socket s = new Socket(bridge.host(), bridge.port())) {
        s.setSoTimeout(20_000);
        // writer on its own thread: cat's pipe buffers are smaller than the payload
        Thread writer =
            new Thread(
                () -> {
                  try {
                    s.getOutputStream().write(payload);
                    s.shutdownOutput();
                  } catch (IOException e) {
                    throw new RuntimeException(e);
                  }
                });
        writer.start();
        assertThat(s.getInputStream().readAllBytes()).isEqualTo(payload);
        writer.join(WAIT.toMillis());
      }
      StdioBridge.Connection c = bridge.connection(0, WAIT);
      assertThat(c.awaitExit(WAIT)).isZero();
      assertThat(c.stderr()).isEmpty();
    }
  }

  @Test
  @DisplayName("keeps each connection's stderr and exit code")
  void capturesStderrAndExitCode() throws Exception {
    try (StdioBridge bridge =
        StdioBridge.start(List.of("sh", "-c", "echo oops >&2; exit 3"), Map.of())) {
      for (int i = 0; i < 2; i++) {
        try (Socket s = new Socket(bridge.host(), bridge.port())) {
          s.setSoTimeout(20_000);
          assertThat(s.getInputStream().readAllBytes()).isEmpty();
        }
        StdioBridge.Connection c = bridge.connection(i, WAIT);
        assertThat(c.awaitExit(WAIT)).isEqualTo(3);
        assertThat(c.exitCode()).hasValue(3);
        assertThat(c.stderr()).isEqualTo("oops\n");
      }
      assertThat(bridge.connections()).hasSize(2);
    }
  }

  @Test
  @DisplayName("environment: inherited, overridden, and removed with CliProcess.UNSET")
  void environment() throws Exception {
    Map<String, String> env = Map.of("FERRY_TEST_VAR", "set", "HOME", CliProcess.UNSET);
    try (StdioBridge bridge =
        StdioBridge.start(
            List.of("sh", "-c", "printf '%s %s %s' \"$FERRY_TEST_VAR\" \"${HOME-none}\" \"$PATH\""),
            env)) {
      try (Socket s = new Socket(bridge.host(), bridge.port())) {
        s.setSoTimeout(20_000);
        String out = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(out).startsWith("set none ").isNotEqualTo("set none ");
      }
    }
  }

  @Test
  @DisplayName("is a ProxyCommand stand-in: SSH client -> bridge -> TcpStdioMain -> SshTarget")
  void carriesSshThroughAStdioProgram() throws Exception {
    byte[] payload = new byte[1 << 20];
    new Random(11).nextBytes(payload);
    try (SshTarget ssh = SshTarget.start();
        StdioBridge bridge =
            StdioBridge.start(
                CliProcess.javaCommand(
                    TcpStdioMain.class.getName(), ssh.host(), Integer.toString(ssh.port())),
                Map.of());
        SshTarget.Client client = ssh.client()) {
      SshTarget.ExecResult echo =
          client.exec(bridge.host(), bridge.port(), "echo via bridge", null);
      assertThat(echo.exitStatus()).isZero();
      assertThat(echo.stdoutText()).isEqualTo("via bridge\n");

      SshTarget.ExecResult sha = client.exec(bridge.host(), bridge.port(), "sha256", payload);
      assertThat(sha.stdoutText()).isEqualTo(SshTarget.sha256Hex(payload) + "\n");

      for (int i = 0; i < 2; i++) {
        StdioBridge.Connection c = bridge.connection(i, WAIT);
        assertThat(c.awaitExit(WAIT)).as(c.stderr()).isZero();
      }
    }
  }
}
