package dev.ferry.cli;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.testkit.CliProcess;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.TcpTarget;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry gateway} as a process reloading its config: an invalid file is logged problem by
 * problem with its line and kept out; a valid one (picked up at once on SIGHUP) ends the session of
 * a proxy it removes, and the client says why.
 */
@Timeout(180)
class GatewayReloadCommandTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  static final Duration START = Duration.ofSeconds(60);

  @TempDir Path dir;

  String config(TcpTarget echo, String extra) {
    return String.join(
        "\n",
        "gateway:",
        "  name: reload-cmd",
        "  bind: 127.0.0.1",
        fx.identityYaml(),
        "proxies:",
        "  - name: keep",
        "    target: " + echo.address(),
        "    allow:",
        "      users: [" + ALICE + "]",
        extra,
        "");
  }

  static String proxy(String name, TcpTarget target) {
    return String.join(
        "\n",
        "  - name: " + name,
        "    target: " + target.address(),
        "    allow:",
        "      users: [" + ALICE + "]");
  }

  void replace(Path file, String content) throws Exception {
    Path tmp = dir.resolve("next.yaml");
    Files.writeString(tmp, content);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  static int proxiesStatus(int port, String token, String name) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/proxies"))
                    .header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return r.body().contains("\"name\":\"" + name + "\"") ? 1 : 0;
  }

  @Test
  void invalidFileLoggedWithLinesThenValidFileEndsRemovedProxysSession() throws Exception {
    TcpTarget echo = fx.target(TcpTarget.echo());
    TcpTarget gone = fx.target(TcpTarget.echo());
    Path file = dir.resolve("gateway.yaml");
    Files.writeString(file, config(echo, proxy("gone", gone)));
    String token = fx.token(ALICE);
    fx.warmProvider();
    try (CliProcess gw =
        CliProcess.start(CliEnv.of(dir), "gateway", "--config", file.toString(), "--port", "0")) {
      int port = Integer.parseInt(gw.awaitLine(GatewayCommandTest.LISTENING, START).group(1));
      String url = "http://127.0.0.1:" + port;
      try (CliProcess live =
          CliProcess.start(CliEnv.withToken(dir, token), "stdio", "gone", "--gateway", url)) {
        live.stdin().write("before\n".getBytes(StandardCharsets.UTF_8));
        live.stdin().flush();
        try {
          live.awaitLine(Pattern.compile("^before$"), START);
        } catch (AssertionError e) {
          throw new AssertionError(gw.describe(), e);
        }

        // Two problems: line 2 (unknown key) and the bad duration further down.
        String broken =
            config(echo, proxy("gone", gone) + "\n    limits:\n      idleTimeout: soon")
                .replace("  name: reload-cmd", "  name: reload-cmd\n  colour: blue");
        replace(file, broken);
        gw.signal("HUP");
        Pattern problem =
            Pattern.compile(
                "config reload: " + Pattern.quote(file.toString()) + ":(\\d+):(\\d+): (.+)$");
        gw.awaitLine(Pattern.compile("keeping the config in use"), START);
        List<Matcher> problems =
            gw.stderr().stream().map(problem::matcher).filter(Matcher::find).toList();
        assertThat(problems).as(gw.describe()).hasSize(2);
        assertThat(problems.get(0).group(1)).isEqualTo("3");
        assertThat(problems.get(0).group(3)).contains("colour");
        assertThat(problems.get(1).group(3)).contains("soon");
        // The session on "gone" is untouched by the broken file.
        live.stdin().write("still\n".getBytes(StandardCharsets.UTF_8));
        live.stdin().flush();
        live.awaitLine(Pattern.compile("^still$"), START);

        replace(file, config(echo, ""));
        gw.signal("HUP");
        int code = live.waitFor(Duration.ofSeconds(60));
        assertThat(code).as(live.describe()).isEqualTo(3);
        assertThat(String.join("\n", live.stderr()))
            .contains("proxy gone was removed from the gateway's configuration");
      }
      await().atMost(START).until(() -> proxiesStatus(port, token, "gone") == 0);
      assertThat(proxiesStatus(port, token, "keep")).isEqualTo(1);
      gw.awaitLine(Pattern.compile("\"reason\":\"proxy-removed\""), START);
      HttpResponse<String> metrics =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(url + "/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.body())
          .contains("ferry_config_reloads_total{result=\"invalid\"} 1.0")
          .contains("ferry_config_reloads_total{result=\"ok\"} 1.0");
      gw.signal("TERM");
      assertThat(gw.waitFor(Duration.ofSeconds(15))).as(gw.describe()).isZero();
    }
  }
}
