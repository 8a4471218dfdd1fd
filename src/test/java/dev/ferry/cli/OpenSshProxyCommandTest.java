package dev.ferry.cli;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.testkit.CliProcess;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.SshTarget;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real OpenSSH client with {@code ProxyCommand='ferry stdio ssh'}, as users run it: ssh ends
 * its ProxyCommand with SIGHUP when the session is over, and the gateway, which keeps a {@code
 * ferry stdio} session for a resume, still ends it at once (the audit balance clients-e2e checks).
 * Skipped where no {@code ssh} is installed.
 */
@Timeout(180)
class OpenSshProxyCommandTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  static final Path SSH = Path.of("/usr/bin/ssh");
  static final Duration RUN = Duration.ofSeconds(90);

  /** Well below the resume window (60 s) after which the gateway would end a held session. */
  static final Duration PROMPTLY = Duration.ofSeconds(20);

  static SshTarget sshd;
  @TempDir Path home;

  @BeforeAll
  static void startSshd() throws Exception {
    assumeTrue(Files.isExecutable(SSH), "no OpenSSH client at " + SSH);
    sshd = SshTarget.start();
  }

  @AfterAll
  static void stopSshd() throws Exception {
    if (sshd != null) {
      sshd.close();
    }
  }

  @Test
  @DisplayName("two ssh sessions through ferry stdio: right output, each gateway session ends")
  void sessionsEndAtOnce() throws Exception {
    GatewayFixture.Running gw =
        fx.gateway()
            .proxy(
                "ssh",
                sshd.address(),
                GatewayFixture.relaxed().withResumeWindow(Duration.ofSeconds(60)))
            .start()
            .warmUp();
    Path key = home.resolve("id_ecdsa");
    try (OutputStream out = Files.newOutputStream(key)) {
      OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(
          sshd.clientKeyPair(), "ferry-test", null, out);
    }
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    Map<String, String> env = CliEnv.withToken(home, fx.token(ALICE));
    List<String> proxyCommand = CliProcess.command("stdio", "ssh", "--gateway", gw.url());

    try (CliProcess echo = CliProcess.start(ssh(key, proxyCommand, "echo via openssh"), env)) {
      assertThat(echo.waitFor(RUN)).as(echo::describe).isZero();
      assertThat(echo.stdout()).as(echo::describe).containsExactly("via openssh");
    }
    awaitEnds(gw, 1);

    byte[] payload = new byte[2 * 1024 * 1024];
    new Random(5).nextBytes(payload);
    try (CliProcess sha = CliProcess.start(ssh(key, proxyCommand, "sha256"), env)) {
      sha.stdin().write(payload);
      sha.stdin().close();
      assertThat(sha.waitFor(RUN)).as(sha::describe).isZero();
      assertThat(sha.stdout()).as(sha::describe).containsExactly(SshTarget.sha256Hex(payload));
    }
    awaitEnds(gw, 2);
    assertThat(gw.audit("session.start")).hasSize(2);
  }

  /** {@code n} sessions ended, promptly, none for want of a resume. */
  private static void awaitEnds(GatewayFixture.Running gw, int n) {
    await().atMost(PROMPTLY).untilAsserted(() -> assertThat(gw.audit("session.end")).hasSize(n));
    for (JsonNode end : gw.audit("session.end")) {
      assertThat(end.path("reason").asText())
          .as("audit: %s", gw.auditLines())
          .isIn("client-closed", "completed");
    }
  }

  private static List<String> ssh(Path key, List<String> proxyCommand, String command) {
    List<String> argv = new ArrayList<>();
    argv.add(SSH.toString());
    for (String o :
        List.of(
            "StrictHostKeyChecking=no",
            "UserKnownHostsFile=/dev/null",
            "BatchMode=yes",
            "IdentitiesOnly=yes",
            "LogLevel=ERROR",
            "ProxyCommand="
                + proxyCommand.stream()
                    .map(OpenSshProxyCommandTest::shellQuote)
                    .collect(Collectors.joining(" ")))) {
      argv.add("-o");
      argv.add(o);
    }
    argv.addAll(
        List.of(
            "-F",
            "/dev/null",
            "-i",
            key.toString(),
            "-p",
            Integer.toString(sshd.port()),
            "alice@127.0.0.1",
            command));
    return argv;
  }

  private static String shellQuote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
