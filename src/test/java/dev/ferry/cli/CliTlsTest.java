package dev.ferry.cli;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.client.tls.ClientTls;
import dev.ferry.gateway.config.TlsSettings;
import dev.ferry.testkit.CliProcess;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.TcpTarget;
import dev.ferry.testkit.ThrowawayCa;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An https gateway from the command line (DESIGN §2): trust through {@code --ca-file} or {@code
 * $FERRY_CA_FILE}, the one-line refusal without it, a stdio tunnel over wss, and {@code ferry
 * gateway} serving {@code gateway.tls} itself.
 */
@Timeout(120)
class CliTlsTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  static final Duration RUN = Duration.ofSeconds(60);

  @TempDir static Path pkiDir;
  static ThrowawayCa pki;

  @TempDir Path home;

  @BeforeAll
  static void pki() throws Exception {
    pki = ThrowawayCa.writeTo(pkiDir);
  }

  static CliProcess.Result run(Map<String, String> env, String... args) {
    try {
      return CliProcess.run(RUN, env, args);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Nested
  @DisplayName("client commands against an https gateway")
  class Client {
    GatewayFixture.Running gw;

    @BeforeEach
    void start() throws Exception {
      gw = fx.gateway().tls(pki.tls()).proxy("echo", fx.target(TcpTarget.echo())).start();
      assertThat(gw.url()).startsWith("https://127.0.0.1:");
    }

    @Test
    @DisplayName("ferry list: --ca-file and $FERRY_CA_FILE both work")
    void listWithCa() {
      Map<String, String> alice = CliEnv.withToken(home, fx.token(ALICE));
      CompletableFuture<CliProcess.Result> byEnv =
          CompletableFuture.supplyAsync(
              () ->
                  run(
                      CliEnv.of(
                          home,
                          "FERRY_TOKEN",
                          fx.token(ALICE),
                          "FERRY_CA_FILE",
                          pki.caPem().toString()),
                      "list",
                      "--gateway",
                      gw.url()));
      CliProcess.Result byOption =
          run(alice, "list", "--gateway", gw.url(), "--ca-file", pki.caPem().toString());
      for (CliProcess.Result r : new CliProcess.Result[] {byOption, byEnv.join()}) {
        assertThat(r.exitCode()).as(r.stderrText()).isZero();
        assertThat(r.stdoutText()).contains("echo", "test proxy echo");
      }
    }

    @Test
    @DisplayName("without the CA: exit 5, one line saying the certificate is not trusted")
    void listAndStdioWithoutCa() {
      Map<String, String> alice = CliEnv.withToken(home, fx.token(ALICE));
      CompletableFuture<CliProcess.Result> stdio =
          CompletableFuture.supplyAsync(() -> run(alice, "stdio", "echo", "--gateway", gw.url()));
      CliProcess.Result list = run(alice, "list", "--gateway", gw.url());
      CliRefusalTest.assertFailed(list, 5, "127.0.0.1", "not trusted", "--ca-file");
      CliRefusalTest.assertFailed(stdio.join(), 5, "127.0.0.1", "not trusted", "--ca-file");
      assertThat(gw.audit()).isEmpty();
    }

    @Test
    @DisplayName("a CA file that is no PEM: exit 1 naming the file")
    void badCaFile() throws IOException {
      Path junk = Files.writeString(home.resolve("junk.pem"), "not a certificate\n");
      CliProcess.Result r =
          run(
              CliEnv.withToken(home, fx.token(ALICE)),
              "list",
              "--gateway",
              gw.url(),
              "--ca-file",
              junk.toString());
      CliRefusalTest.assertFailed(r, 1, junk.toString());
    }

    @Test
    @DisplayName("ferry stdio through https with the CA round-trips bytes")
    void stdioRoundTrip() throws Exception {
      Map<String, String> env =
          CliEnv.of(home, "FERRY_TOKEN", fx.token(ALICE), "FERRY_CA_FILE", pki.caPem().toString());
      try (CliProcess once = CliProcess.start(env, "stdio", "echo", "--gateway", gw.url())) {
        write(once.stdin(), "hello over wss\n");
        once.awaitLine(Pattern.compile("^hello over wss$"), RUN);
        write(once.stdin(), "and again\n");
        once.stdin().close();
        once.awaitLine(Pattern.compile("^and again$"), RUN);
        assertThat(once.waitFor(Duration.ofSeconds(20))).as(once.describe()).isZero();
      }
      assertThat(gw.audit("session.end")).singleElement();
    }
  }

  @Test
  @DisplayName("a trusted certificate for another name: exit 5 naming the mismatch")
  void wrongHost() throws Exception {
    GatewayFixture.Running gw =
        fx.gateway().tls(pki.wrongHostTls()).proxy("echo", fx.target(TcpTarget.echo())).start();
    CliProcess.Result r =
        run(
            CliEnv.withToken(home, fx.token(ALICE)),
            "list",
            "--gateway",
            gw.url(),
            "--ca-file",
            pki.caPem().toString());
    String line =
        CliRefusalTest.assertFailed(
            r, 5, "127.0.0.1", "is for " + ThrowawayCa.WRONG_HOST, "not for this host name");
    assertThat(line).doesNotContain("--ca-file");
  }

  @Nested
  @DisplayName("ferry gateway with gateway.tls")
  class Gateway {
    @TempDir Path dir;

    Path config(TlsSettings tls) throws IOException {
      return Files.writeString(
          dir.resolve("gateway.yaml"),
          String.join(
              "\n",
              "gateway:",
              "  name: tls-test",
              "  bind: 127.0.0.1",
              "  tls: { cert: " + tls.cert() + ", key: " + tls.key() + " }",
              fx.identityYaml(),
              "proxies:",
              "  - name: echo",
              "    target: 127.0.0.1:9",
              "    allow:",
              "      users: [" + ALICE + "]",
              ""));
    }

    @Test
    @DisplayName("prints 'listening on https://…' and serves TLS; SIGTERM exits 0")
    void servesHttps() throws Exception {
      Path config = config(pki.tls());
      try (CliProcess gw =
          CliProcess.start(
              CliEnv.of(dir), "gateway", "--config", config.toString(), "--port", "0")) {
        int port =
            Integer.parseInt(
                gw.awaitLine(
                        Pattern.compile(
                            "^ferry gateway listening on https://127\\.0\\.0\\.1:(\\d+)$"),
                        RUN)
                    .group(1));
        HttpClient https =
            HttpClient.newBuilder().sslContext(ClientTls.create(pki.caPem()).jdk()).build();
        HttpResponse<String> info =
            https.send(
                HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/v1/info"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(info.statusCode()).isEqualTo(200);
        assertThat(info.body()).contains("\"name\":\"tls-test\"");
        gw.signal("TERM");
        assertThat(gw.waitFor(Duration.ofSeconds(15))).as(gw.describe()).isZero();
      }
    }

    @Test
    @DisplayName("a missing key file: exit 1, one line naming it")
    void missingKey() throws Exception {
      Path missing = dir.resolve("missing.key");
      Path config = config(new TlsSettings(pki.tls().cert(), missing));
      CliProcess.Result r =
          run(CliEnv.of(dir), "gateway", "--config", config.toString(), "--port", "0");
      assertThat(r.exitCode()).as(r.stderrText()).isEqualTo(1);
      assertThat(r.stderr()).contains("ferry: TLS key " + missing + ": no such file");
      assertThat(r.stdoutText()).doesNotContain("listening");
    }

    @Test
    @DisplayName("a key that is not the certificate's: exit 1, one line saying so")
    void keyOfAnotherCertificate() throws Exception {
      Path config = config(new TlsSettings(pki.tls().cert(), pki.untrustedTls().key()));
      CliProcess.Result r =
          run(CliEnv.of(dir), "gateway", "--config", config.toString(), "--port", "0");
      assertThat(r.exitCode()).as(r.stderrText()).isEqualTo(1);
      assertThat(r.stderr())
          .contains(
              "ferry: TLS key "
                  + pki.untrustedTls().key()
                  + " does not belong to the certificate in "
                  + pki.tls().cert());
    }
  }

  private static void write(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
