package dev.ferry.cli;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static dev.ferry.testkit.GatewayFixture.CLIENT_ID;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.testkit.CliProcess;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.TcpTarget;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code ferry gateway} and {@code ferry gateway check} as processes (DESIGN §2). */
@Timeout(120)
class GatewayCommandTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  static final Pattern LISTENING =
      Pattern.compile("^ferry gateway listening on http://127\\.0\\.0\\.1:(\\d+)$");
  static final Duration START = Duration.ofSeconds(60);
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  TcpTarget echo;
  Path config;
  Path auditFile;

  @BeforeEach
  void writeConfig() throws IOException {
    echo = fx.target(TcpTarget.echo());
    auditFile = dir.resolve("audit.jsonl");
    config = dir.resolve("gateway.yaml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "gateway:",
            "  name: cmd-test",
            "  bind: 127.0.0.1",
            fx.identityYaml(),
            "audit:",
            "  file: " + auditFile,
            "proxies:",
            "  - name: echo",
            "    target: " + echo.address(),
            "    allow:",
            "      users: [" + ALICE + "]",
            ""));
  }

  Map<String, String> env(String... overrides) {
    return CliEnv.of(dir, overrides);
  }

  /** Waits for the listening line, checks it is the only one, returns the port. */
  static int listeningPort(CliProcess gw) {
    int port = Integer.parseInt(gw.awaitLine(LISTENING, START).group(1));
    assertThat(gw.stdout().stream().filter(l -> l.contains("listening on"))).hasSize(1);
    return port;
  }

  static HttpResponse<String> get(int port, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  List<JsonNode> auditFromFile(String event) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    if (!Files.exists(auditFile)) {
      return out;
    }
    for (String line : Files.readAllLines(auditFile)) {
      if (!line.isBlank()) {
        JsonNode n = JSON.readTree(line);
        if (n.path("event").asText().equals(event)) {
          out.add(n);
        }
      }
    }
    return out;
  }

  @Test
  void servesTunnelsAndDrainsOnSigtermWithinTheBound() throws Exception {
    fx.warmProvider();
    try (CliProcess gw =
        CliProcess.start(env(), "gateway", "--config", config.toString(), "--port", "0")) {
      int port = listeningPort(gw);
      String url = "http://127.0.0.1:" + port;

      assertThat(get(port, "/healthz").statusCode()).isEqualTo(200);
      HttpResponse<String> infoResponse = get(port, "/v1/info");
      assertThat(infoResponse.statusCode()).isEqualTo(200);
      JsonNode info = JSON.readTree(infoResponse.body());
      assertThat(info.path("name").asText()).isEqualTo("cmd-test");
      assertThat(info.path("version").asText()).isEqualTo(VersionProvider.version());
      assertThat(info.path("protocol").asText()).isEqualTo("ferry.v1");
      assertThat(info.path("issuers")).hasSize(1);
      assertThat(info.path("issuers").get(0).path("issuer").asText()).isEqualTo(fx.issuer());
      assertThat(info.path("issuers").get(0).path("clientId").asText()).isEqualTo(CLIENT_ID);

      Map<String, String> alice = CliEnv.withToken(dir, fx.token(ALICE));
      // A full round trip: stdin → tunnel → echo target → stdout, then EOF both ways and exit 0.
      try (CliProcess once = CliProcess.start(alice, "stdio", "echo", "--gateway", url)) {
        write(once.stdin(), "hello through the gateway process\n");
        once.stdin().close();
        once.awaitLine(Pattern.compile("^hello through the gateway process$"), START);
        assertThat(once.waitFor(Duration.ofSeconds(20))).as(once.describe()).isZero();
      }

      // A tunnel still open when SIGTERM arrives.
      try (CliProcess live = CliProcess.start(alice, "stdio", "echo", "--gateway", url)) {
        write(live.stdin(), "still here\n");
        live.awaitLine(Pattern.compile("^still here$"), START);

        long t0 = System.nanoTime();
        gw.signal("TERM");
        int code = gw.waitFor(Duration.ofSeconds(15));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(code).as(gw.describe()).isZero();
        System.out.println("SIGTERM with a tunnel open: exit after " + took.toMillis() + " ms");
        assertThat(took).as("SIGTERM to exit (contract: < 8 s)").isLessThan(Duration.ofSeconds(8));
        live.waitFor(Duration.ofSeconds(20)); // the client sees the tunnel end
      }
    }
    // two tunnels, both ended and written to the audit file
    assertThat(auditFromFile("session.start")).hasSize(2);
    List<JsonNode> ends = auditFromFile("session.end");
    assertThat(ends).hasSize(2);
    assertThat(ends).allSatisfy(e -> assertThat(e.path("user").asText()).isEqualTo(ALICE));
    assertThat(ends).allSatisfy(e -> assertThat(e.path("bytesUp").asLong()).isPositive());
  }

  @Test
  void honoursPortFromTheEnvironmentWithoutPortOption() throws Exception {
    int free;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      free = s.getLocalPort();
    }
    try (CliProcess gw =
        CliProcess.start(
            env("PORT", Integer.toString(free)), "gateway", "--config", config.toString())) {
      assertThat(listeningPort(gw)).isEqualTo(free);
      assertThat(get(free, "/healthz").statusCode()).isEqualTo(200);
      gw.signal("TERM");
      assertThat(gw.waitFor(Duration.ofSeconds(15))).as(gw.describe()).isZero();
    }
  }

  @Nested
  class Check {
    @Test
    void validFile() throws Exception {
      CliProcess.Result r =
          CliProcess.run(START, env(), "gateway", "check", "--config", config.toString());
      assertThat(r.exitCode()).as(r.stderrText()).isZero();
      assertThat(r.stdoutText()).contains(config + ": valid");
    }

    @Test
    void twoErrorsTwoLines() throws Exception {
      Path bad = dir.resolve("bad.yaml");
      Files.writeString(
          bad,
          Files.readString(config)
              .replace("  name: cmd-test", "  name: cmd-test\n  colour: blue")
              .replace(
                  "      users: [" + ALICE + "]",
                  "      users: [" + ALICE + "]\n    limits:\n      idleTimeout: soon"));
      CliProcess.Result r =
          CliProcess.run(START, env(), "gateway", "check", "--config", bad.toString());
      assertThat(r.exitCode()).isEqualTo(1);
      Pattern line = Pattern.compile("^" + Pattern.quote(bad.toString()) + ":(\\d+):(\\d+): (.+)$");
      List<Matcher> problems =
          r.stderr().stream().map(line::matcher).filter(Matcher::matches).toList();
      assertThat(problems).as(r.stderrText()).hasSize(2);
      assertThat(r.stderr()).as("nothing but the two problem lines").hasSize(2);
      assertThat(problems.get(0).group(1)).isEqualTo("3"); // colour: on line 3
      assertThat(problems.get(0).group(3)).contains("colour");
      assertThat(problems.get(1).group(3)).contains("soon");
    }

    @Test
    void missingFile() throws Exception {
      Path missing = dir.resolve("nope.yaml");
      CliProcess.Result r =
          CliProcess.run(START, env(), "gateway", "check", "--config", missing.toString());
      assertThat(r.exitCode()).isEqualTo(1);
      assertThat(r.stderr()).containsExactly("ferry: cannot read " + missing + ": no such file");
    }
  }

  private static void write(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
