package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.testkit.CliProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ferry demo --no-gui} as a separate process, driven the way a newcomer would: sign in as
 * bob on the demo provider's login page (through {@code ferry login --no-browser}, the test playing
 * the browser), carry bytes through demo-echo, be refused demo-db as bob, query demo-db as alice
 * with the H2 JDBC driver, read demo-web, then SIGTERM: exit 0 and nothing left listening.
 */
@Timeout(240)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DemoCommandTest {
  static final Duration START = Duration.ofSeconds(90);
  static final Duration RUN = Duration.ofSeconds(60);
  static final Pattern GATEWAY = Pattern.compile("^gateway: (http://127\\.0\\.0\\.1:(\\d+))$");
  static final Pattern ISSUER = Pattern.compile("^issuer: (http://127\\.0\\.0\\.1:(\\d+)/\\S+)$");
  static final Pattern TARGET =
      Pattern.compile("^  (demo-\\w+) .* target 127\\.0\\.0\\.1:(\\d+)\\s");
  static final Pattern TOKEN_FILE = Pattern.compile("^  (alice|bob) .* token file (\\S+)$");
  static final Pattern FORWARDING = Pattern.compile("^forwarding 127\\.0\\.0\\.1:(\\d+) -> ");
  static final Pattern OPEN_URL = Pattern.compile("^open this URL to sign in: (\\S+)$");

  @TempDir static Path home;
  static CliProcess demo;
  static String gateway;
  static int gatewayPort;
  static int issuerPort;
  static final List<Integer> targetPorts = new ArrayList<>();
  static Path aliceToken;
  static Path bobToken;

  @BeforeAll
  static void startDemo() throws Exception {
    demo = CliProcess.start(CliEnv.of(home), "demo", "--no-gui");
    Matcher gw = demo.awaitLine(GATEWAY, START);
    gateway = gw.group(1);
    gatewayPort = Integer.parseInt(gw.group(2));
    issuerPort = Integer.parseInt(demo.awaitLine(ISSUER, START).group(2));
    demo.awaitLine(Pattern.compile("^Audit records"), START);
    for (String line : demo.stdout()) {
      Matcher t = TARGET.matcher(line);
      if (t.find()) {
        targetPorts.add(Integer.parseInt(t.group(2)));
      }
      Matcher f = TOKEN_FILE.matcher(line);
      if (f.find()) {
        if (f.group(1).equals("alice")) {
          aliceToken = Path.of(f.group(2));
        } else {
          bobToken = Path.of(f.group(2));
        }
      }
    }
    assertThat(targetPorts).as(demo.describe()).hasSize(3);
    assertThat(aliceToken).as(demo.describe()).isNotNull();
    assertThat(bobToken).as(demo.describe()).isNotNull();
  }

  @AfterAll
  static void stopDemo() {
    if (demo != null) {
      demo.close();
    }
  }

  @Test
  @Order(1)
  @DisplayName("bob signs in on the provider's login page, which lists the demo users")
  void bobSignsInThroughTheLoginPage() throws Exception {
    try (CliProcess login =
        CliProcess.start(
            CliEnv.of(home), "login", "--gateway", gateway, "--no-browser", "--timeout", "60")) {
      URI authorize = URI.create(login.awaitLine(OPEN_URL, RUN).group(1));
      assertThat(authorize.getHost()).isEqualTo("127.0.0.1");
      assertThat(authorize.getPort()).isEqualTo(issuerPort);
      HttpClient browser =
          HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
      HttpResponse<String> page =
          browser.send(
              HttpRequest.newBuilder(authorize).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body())
          .contains("name=\"username\" value=\"alice\"", "name=\"username\" value=\"bob\"")
          .contains("groups <b>dev, dba</b>");

      // The form posts back to the page's own URL, as a browser would.
      HttpResponse<String> toApp =
          browser.send(
              HttpRequest.newBuilder(authorize)
                  .timeout(Duration.ofSeconds(10))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "username=" + URLEncoder.encode("bob", StandardCharsets.UTF_8)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(toApp.statusCode()).as(toApp.body()).isEqualTo(302);
      URI callback = URI.create(toApp.headers().firstValue("Location").orElseThrow());
      assertThat(callback.getHost()).isEqualTo("127.0.0.1");
      HttpResponse<String> done =
          browser.send(
              HttpRequest.newBuilder(callback).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(done.statusCode()).isEqualTo(200);
      assertThat(login.waitFor(RUN)).as(login.describe()).isZero();
      assertThat(String.join("\n", login.stdout()))
          .contains("signed in to " + gateway + " as bob@example.com (groups: dev)");
    }
  }

  @Test
  @Order(2)
  @DisplayName("bob's ferry connect demo-echo carries bytes both ways")
  void echoCarriesBytes() throws Exception {
    try (CliProcess fwd =
        CliProcess.start(
            CliEnv.of(home),
            "connect",
            "demo-echo",
            "--gateway",
            gateway,
            "--port",
            "0",
            "--token-file",
            bobToken.toString())) {
      int port = Integer.parseInt(fwd.awaitLine(FORWARDING, RUN).group(1));
      byte[] sent = "hello through the demo\n".repeat(100).getBytes(StandardCharsets.UTF_8);
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        s.setSoTimeout(20_000);
        OutputStream out = s.getOutputStream();
        out.write(sent);
        out.flush();
        s.shutdownOutput();
        byte[] back = s.getInputStream().readAllBytes();
        assertThat(back).isEqualTo(sent);
      }
      fwd.signal("INT");
      assertThat(fwd.waitFor(RUN)).as(fwd.describe()).isZero();
    }
  }

  @Test
  @Order(3)
  @DisplayName("bob may not reach demo-db: ferry connect exits 3")
  void bobIsRefusedTheDatabase() throws Exception {
    CliProcess.Result r =
        CliProcess.run(
            RUN,
            CliEnv.of(home),
            "connect",
            "demo-db",
            "--gateway",
            gateway,
            "--port",
            "0",
            "--token-file",
            bobToken.toString());
    assertThat(r.exitCode()).as(r.stdoutText() + "\n" + r.stderrText()).isEqualTo(3);
    assertThat(r.stderr()).singleElement().asString().contains("demo-db");
  }

  @Test
  @Order(4)
  @DisplayName("alice queries demo-db through ferry connect with the H2 JDBC driver")
  void aliceQueriesTheDatabase() throws Exception {
    try (CliProcess fwd =
        CliProcess.start(
            CliEnv.of(home),
            "connect",
            "demo-db",
            "--gateway",
            gateway,
            "--port",
            "0",
            "--token-file",
            aliceToken.toString())) {
      String port = fwd.awaitLine(FORWARDING, RUN).group(1);
      try (Connection c =
              DriverManager.getConnection(
                  "jdbc:h2:tcp://127.0.0.1:" + port + "/mem:demo", "demo", "demo");
          Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT customer FROM orders ORDER BY id")) {
        List<String> customers = new ArrayList<>();
        while (rs.next()) {
          customers.add(rs.getString(1));
        }
        assertThat(customers).containsExactly("Ada", "Grace", "Linus");
      }
      fwd.signal("INT");
      assertThat(fwd.waitFor(RUN)).as(fwd.describe()).isZero();
    }
    demo.awaitLine(
        Pattern.compile(
            "\"event\":\"session.start\".*\"user\":\"alice@example.com\""
                + ".*\"proxy\":\"demo-db\""),
        RUN);
  }

  @Test
  @Order(5)
  @DisplayName("demo-web names the visitor from the gateway's audit log")
  void webPageNamesTheVisitor() throws Exception {
    try (CliProcess fwd =
        CliProcess.start(
            CliEnv.of(home),
            "connect",
            "demo-web",
            "--gateway",
            gateway,
            "--port",
            "0",
            "--token-file",
            bobToken.toString())) {
      int port = Integer.parseInt(fwd.awaitLine(FORWARDING, RUN).group(1));
      HttpResponse<String> page =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                      .timeout(Duration.ofSeconds(20))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body())
          .contains("Hello, <b>bob@example.com</b>")
          .contains("from <code>127.0.0.1:");
      fwd.signal("INT");
      assertThat(fwd.waitFor(RUN)).as(fwd.describe()).isZero();
    }
  }

  @Test
  @Order(100)
  @DisplayName("SIGTERM stops everything: exit 0, temp folder gone, no port left listening")
  void sigtermStopsEverything() throws Exception {
    Path folder = aliceToken.getParent();
    assertThat(Files.readString(bobToken)).startsWith("eyJ");
    demo.signal("TERM");
    assertThat(demo.waitFor(Duration.ofSeconds(15))).as(demo.describe()).isZero();
    assertThat(demo.stdout()).contains("ferry demo stopped");
    assertThat(folder).doesNotExist();
    List<Integer> ports = new ArrayList<>(targetPorts);
    ports.add(gatewayPort);
    ports.add(issuerPort);
    for (int port : ports) {
      assertThatThrownBy(() -> probe(port)).as("port " + port).isInstanceOf(ConnectException.class);
    }
  }

  private static void probe(int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
      InputStream in = s.getInputStream();
      in.available();
    }
  }
}
