package dev.ferry.cli;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.testkit.CliProcess;
import dev.ferry.testkit.ConnectProxy;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.TcpTarget;
import dev.ferry.testkit.ThrowawayCa;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry doctor}, {@code --local}/{@code --max-connections} and HTTPS_PROXY as a user meets
 * them: a separate JVM, its exit code and its output.
 */
@Timeout(180)
class DoctorAndProxyCliTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  static final Duration RUN = Duration.ofSeconds(90);
  static final Pattern FORWARDING = Pattern.compile("forwarding 127\\.0\\.0\\.1:(\\d+) -> echo");

  @TempDir static Path pkiDir;
  static ThrowawayCa pki;
  @TempDir Path home;

  @BeforeAll
  static void setUp() throws Exception {
    pki = ThrowawayCa.writeTo(pkiDir);
    fx.warmProvider();
  }

  static CliProcess.Result run(Map<String, String> env, String... args) {
    try {
      return CliProcess.run(RUN, env, args);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  @DisplayName(
      "ferry doctor: exit 0 and one line per check on a healthy gateway; exit 1 naming"
          + " TCP when nothing listens")
  void doctor() throws Exception {
    GatewayFixture.Running gw = fx.gateway().proxy("echo", fx.target(TcpTarget.echo())).start();
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Map<String, String> env = CliEnv.withToken(home, fx.token(ALICE));
    CompletableFuture<CliProcess.Result> down =
        CompletableFuture.supplyAsync(
            () -> run(env, "doctor", "--gateway", "http://127.0.0.1:" + closed, "--json"));
    CliProcess.Result ok = run(env, "doctor", "--gateway", gw.url(), "--idle-check", "1s");
    String all = ok.stdoutText() + ok.stderrText();
    assertThat(ok.exitCode()).as(all).isZero();
    assertThat(ok.stdout())
        .as(all)
        .anyMatch(l -> l.matches("(\u2713|\\[ok\\]) +info +gateway test-gateway.*"));
    assertThat(ok.stdout())
        .as(all)
        .anyMatch(l -> l.matches("(\u2713|\\[ok\\]) +idle +.*stayed open 1s.*"));
    assertThat(ok.stdout()).last().isEqualTo("all checks passed");
    assertThat(all).doesNotContain(fx.token(ALICE).substring(0, 20));

    CliProcess.Result bad = down.join();
    assertThat(bad.exitCode()).as(bad.stdoutText() + bad.stderrText()).isEqualTo(1);
    JsonNode json = new ObjectMapper().readTree(bad.stdoutText());
    assertThat(json.path("ok").asBoolean()).isFalse();
    JsonNode tcp = json.path("checks").get(3);
    assertThat(tcp.path("name").asText()).isEqualTo("tcp");
    assertThat(tcp.path("status").asText()).isEqualTo("fail");
    assertThat(tcp.path("fix").asText()).contains("is the gateway running");
  }

  @Test
  @DisplayName(
      "ferry connect: a non-loopback --local exits 1 before any network call;"
          + " --max-connections closes one too many with a message")
  void connectOptions() throws Exception {
    CliProcess.Result wide =
        run(
            CliEnv.withToken(home, "t"),
            "connect",
            "echo",
            "--gateway",
            "http://127.0.0.1:9",
            "--local",
            "0.0.0.0:0");
    CliRefusalTest.assertFailed(wide, 1, "refusing to listen on 0.0.0.0", "not a loopback address");

    GatewayFixture.Running gw = fx.gateway().proxy("echo", fx.target(TcpTarget.echo())).start();
    try (CliProcess fwd =
        CliProcess.start(
            CliEnv.withToken(home, fx.token(ALICE)),
            "connect",
            "echo",
            "--gateway",
            gw.url(),
            "--max-connections",
            "1")) {
      int port = Integer.parseInt(fwd.awaitLine(FORWARDING, RUN).group(1));
      try (Socket first = socket(port)) {
        first.getOutputStream().write('a');
        assertThat(first.getInputStream().read()).isEqualTo('a');
        try (Socket second = socket(port)) {
          assertThat(second.getInputStream().read()).isEqualTo(-1);
          fwd.awaitLine(
              Pattern.compile(
                  "^ferry: connection from 127\\.0\\.0\\.1:"
                      + second.getLocalPort()
                      + " closed: limit of 1 connections reached$"),
              RUN);
        }
      }
      fwd.signal("INT");
      assertThat(fwd.waitFor(Duration.ofSeconds(20))).isZero();
    }
  }

  @Test
  @DisplayName(
      "HTTPS_PROXY with credentials: ferry list and ferry stdio reach an https gateway"
          + " only the proxy can resolve")
  void httpsProxyWithCredentials() throws Exception {
    GatewayFixture.Running gw =
        fx.gateway().tls(pki.wrongHostTls()).proxy("echo", fx.target(TcpTarget.echo())).start();
    String host = ThrowawayCa.WRONG_HOST; // the certificate's name; unknown to DNS
    ConnectProxy proxy =
        fx.closeAfter(
            ConnectProxy.start(
                ConnectProxy.options().host(host, "127.0.0.1").credentials("carol", "s3cret")));
    String url = "https://" + host + ":" + gw.port();
    Map<String, String> env =
        CliEnv.of(
            home,
            "FERRY_TOKEN",
            fx.token(ALICE),
            "FERRY_CA_FILE",
            pki.caPem().toString(),
            "HTTPS_PROXY",
            proxy.url("carol", "s3cret"),
            "NO_PROXY",
            "example.org");
    CliProcess.Result list = run(env, "list", "--gateway", url);
    assertThat(list.exitCode()).as(list.stdoutText() + list.stderrText()).isZero();
    assertThat(list.stdoutText()).contains("echo");
    try (CliProcess once = CliProcess.start(env, "stdio", "echo", "--gateway", url)) {
      once.stdin().write("through the proxy\n".getBytes(StandardCharsets.UTF_8));
      once.stdin().flush();
      once.awaitLine(Pattern.compile("^through the proxy$"), RUN);
      once.stdin().close();
      assertThat(once.waitFor(Duration.ofSeconds(30))).as(once.describe()).isZero();
    }
    assertThat(proxy.connects())
        .hasSizeGreaterThanOrEqualTo(2)
        .allMatch(c -> c.equals(host + ":" + gw.port()));
    assertThat(proxy.refused())
        .allMatch(r -> r.startsWith("CONNECT")); // JDK: 407 first, then Basic

    Map<String, String> wrong = new java.util.HashMap<>(env);
    wrong.put("HTTPS_PROXY", proxy.url("carol", "nope"));
    CliProcess.Result refused = run(wrong, "stdio", "echo", "--gateway", url);
    String line = CliRefusalTest.assertFailed(refused, 5, "proxy 127.0.0.1:" + proxy.port(), "407");
    assertThat(line).doesNotContain("nope");
  }

  static Socket socket(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    s.setSoTimeout(30_000);
    return s;
  }
}
