package dev.ferry.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SshTargetTest {
  private static SshTarget ssh;
  private static SshTarget.Client client;

  @BeforeAll
  static void start() throws IOException {
    ssh = SshTarget.start();
    client = ssh.client();
  }

  @AfterAll
  static void stop() throws IOException {
    client.close();
    ssh.close();
  }

  @Test
  @DisplayName("echo TEXT prints the text")
  void echo() throws IOException {
    SshTarget.ExecResult r = client.exec(ssh.host(), ssh.port(), "echo hello ferry", null);
    assertThat(r.exitStatus()).isZero();
    assertThat(r.stdoutText()).isEqualTo("hello ferry\n");
    assertThat(r.stderr()).isEmpty();
  }

  @Test
  @DisplayName("sha256 hashes stdin up to end of file")
  void sha256() throws IOException {
    byte[] payload = new byte[2 << 20];
    new Random(3).nextBytes(payload);
    SshTarget.ExecResult r = client.exec(ssh.host(), ssh.port(), "sha256", payload);
    assertThat(r.exitStatus()).isZero();
    assertThat(r.stdoutText()).isEqualTo(SshTarget.sha256Hex(payload) + "\n");
    assertThat(SshTarget.sha256Hex("abc".getBytes(StandardCharsets.US_ASCII)))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  @DisplayName("cat copies stdin back")
  void cat() throws IOException {
    byte[] payload = new byte[500_000];
    new Random(5).nextBytes(payload);
    SshTarget.ExecResult r = client.exec(ssh.host(), ssh.port(), "cat", payload);
    assertThat(r.exitStatus()).isZero();
    assertThat(r.stdout()).isEqualTo(payload);
  }

  @Test
  @DisplayName("an unknown command exits 127 with a message on stderr")
  void unknownCommand() throws IOException {
    int before = ssh.commandCount();
    SshTarget.ExecResult r = client.exec(ssh.host(), ssh.port(), "rm -rf /", null);
    assertThat(r.exitStatus()).isEqualTo(127);
    assertThat(r.stderrText()).isEqualTo("unknown command: rm -rf /\n");
    assertThat(ssh.commandCount()).isGreaterThan(before);
  }

  @Test
  @DisplayName("refuses any other client key")
  void rejectsOtherKey() throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"));
    try (SshTarget.Client stranger =
        new SshTarget.Client(gen.generateKeyPair(), ssh.hostPublicKey(), Duration.ofSeconds(10))) {
      assertThatThrownBy(() -> stranger.exec(ssh.host(), ssh.port(), "echo no", null))
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  @DisplayName("the client refuses a server with another host key")
  void clientChecksHostKey() throws Exception {
    try (SshTarget other = SshTarget.start()) {
      assertThatThrownBy(() -> client.exec(other.host(), other.port(), "echo no", null))
          .isInstanceOf(IOException.class);
      assertThat(other.commandCount()).isZero();
    }
  }
}
