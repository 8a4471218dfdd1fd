package dev.ferry.gateway;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static dev.ferry.testkit.GatewayFixture.BOB;
import static dev.ferry.testkit.GatewayFixture.CLIENT_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.client.forward.Forwarder;
import dev.ferry.gateway.config.ConfigLoader;
import dev.ferry.testkit.ForwarderEvents;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.LoopbackClient;
import dev.ferry.testkit.TcpTarget;
import dev.ferry.testkit.TunnelRefusals;
import dev.ferry.tunnel.TunnelError;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot reload of the gateway's config file: a real gateway loaded from a YAML file that the test
 * rewrites, the real OIDC provider, real echo targets, real forwarders as clients.
 */
@Timeout(120)
class ConfigReloadTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  static final ObjectMapper JSON = new ObjectMapper();

  /** Fast polling for the test; production polls every 2 s. */
  static final Duration POLL = Duration.ofMillis(200);

  static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  Path file;
  TcpTarget echo;
  TcpTarget echo2;

  @BeforeEach
  void targets() throws IOException {
    echo = fx.target(TcpTarget.echo());
    echo2 = fx.target(TcpTarget.echo());
    file = dir.resolve("gateway.yaml");
  }

  // ---- config text ----

  String config(String... proxies) {
    StringBuilder b =
        new StringBuilder(
            String.join(
                "\n",
                "gateway:",
                "  name: reload-test",
                "  bind: 127.0.0.1",
                fx.identityYaml(),
                "proxies:",
                ""));
    for (String p : proxies) {
      b.append(p);
    }
    if (proxies.length == 0) {
      b.setLength(b.length() - 1);
      b.append(" []\n");
    }
    return b.toString();
  }

  static String proxy(String name, TcpTarget target, String users, String groups, String limits) {
    return String.join(
        "\n",
        "  - name: " + name,
        "    description: reload test " + name,
        "    target: " + target.address(),
        "    allow:",
        "      users: [" + users + "]",
        "      groups: [" + groups + "]",
        "    limits:",
        "      connectTimeout: 5s",
        "      endWithToken: false",
        limits.isEmpty() ? "" : "      " + limits.replace("\n", "\n      "),
        "");
  }

  static String proxy(String name, TcpTarget target) {
    return proxy(name, target, ALICE, "dba", "");
  }

  /** Replaces the file the way Kubernetes and careful editors do: write aside, then rename. */
  void replace(String content) throws IOException {
    Path tmp = dir.resolve("gateway.yaml.tmp");
    Files.writeString(tmp, content);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  GatewayFixture.Running start(String content) throws Exception {
    Files.writeString(file, content);
    GatewayFixture.Running gw = fx.start(ConfigLoader.load(file));
    gw.server().watchConfig(file, POLL);
    return gw;
  }

  static double reloads(GatewayFixture.Running gw, String result) {
    return gw.metric("ferry_config_reloads_total{result=\"" + result + "\"}");
  }

  // ---- clients ----

  Forwarder forwarder(GatewayFixture.Running gw, String proxy, ForwarderEvents rec, String token)
      throws Exception {
    return fx.forwarder(gw.connector(), proxy, fx.tokens(token), rec);
  }

  static Socket connect(Forwarder f) throws IOException {
    return LoopbackClient.connect(f.port(), WAIT);
  }

  /** Sends a line through an echo tunnel and reads it back. */
  static void roundTrip(Socket s, String text) throws IOException {
    byte[] out = (text + "\n").getBytes(StandardCharsets.UTF_8);
    s.getOutputStream().write(out);
    s.getOutputStream().flush();
    byte[] in = s.getInputStream().readNBytes(out.length);
    assertThat(new String(in, StandardCharsets.UTF_8)).isEqualTo(text + "\n");
  }

  /** Reads until the connection ends; true when it ended (EOF or reset) within the bound. */
  static boolean endsWithin(Socket s, Duration bound) throws IOException {
    s.setSoTimeout((int) bound.toMillis());
    InputStream in = s.getInputStream();
    try {
      while (in.read() >= 0) {
        // echoes of earlier writes, if any
      }
      return true;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (java.net.SocketException reset) {
      return true;
    }
  }

  static List<String> proxiesFor(GatewayFixture.Running gw, String token) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(gw.url() + "/v1/proxies"))
                    .header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    List<String> names = new ArrayList<>();
    JSON.readTree(r.body()).path("proxies").forEach(p -> names.add(p.path("name").asText()));
    return names;
  }

  static JsonNode endOf(GatewayFixture.Running gw, String proxy) {
    return gw.audit("session.end").stream()
        .filter(e -> e.path("proxy").asText().equals(proxy))
        .findFirst()
        .orElse(null);
  }

  // ---- tests ----

  @Test
  @DisplayName("a valid change adds a proxy: it is listed and its tunnels work")
  void addsProxy() throws Exception {
    GatewayFixture.Running gw = start(config(proxy("one", echo)));
    String alice = fx.token(ALICE);
    assertThat(proxiesFor(gw, alice)).containsExactly("one");
    assertThat(reloads(gw, "ok")).isZero();

    replace(config(proxy("one", echo), proxy("two", echo2)));

    await().atMost(WAIT).until(() -> proxiesFor(gw, alice).contains("two"));
    assertThat(reloads(gw, "ok")).isEqualTo(1.0);
    assertThat(gw.metric("ferry_config_last_reload_success_timestamp_seconds")).isGreaterThan(0);
    ForwarderEvents rec = new ForwarderEvents();
    try (Socket s = connect(forwarder(gw, "two", rec, alice))) {
      roundTrip(s, "through the new proxy");
    }
    assertThat(echo2.accepted()).isEqualTo(1);
    await().atMost(WAIT).until(() -> endOf(gw, "two") != null);
    assertThat(gw.metrics()).contains("ferry_bytes_total{direction=\"up\",proxy=\"two\"}");
  }

  @Test
  @DisplayName("an invalid file keeps the old config, is counted once, and a later fix applies")
  void invalidKeepsOld() throws Exception {
    GatewayFixture.Running gw = start(config(proxy("one", echo)));
    String alice = fx.token(ALICE);
    // Two problems: an unknown key and a bad duration; "two" must not half-appear.
    replace(
        config(proxy("one", echo), proxy("two", echo2, ALICE, "", "idleTimeout: soon"))
            .replace("  name: reload-test", "  name: reload-test\n  colour: blue"));

    await().atMost(WAIT).until(() -> reloads(gw, "invalid") == 1.0);
    assertThat(reloads(gw, "ok")).isZero();
    assertThat(proxiesFor(gw, alice)).containsExactly("one");
    assertThat(gw.server().config().gateway().name()).isEqualTo("reload-test");
    ForwarderEvents rec = new ForwarderEvents();
    try (Socket s = connect(forwarder(gw, "one", rec, alice))) {
      roundTrip(s, "old config still serves");
    }
    // The same broken content is judged once, not at every poll.
    Thread.sleep(POLL.multipliedBy(4).toMillis());
    assertThat(reloads(gw, "invalid")).isEqualTo(1.0);

    replace(config(proxy("one", echo), proxy("two", echo2)));
    await().atMost(WAIT).until(() -> proxiesFor(gw, alice).contains("two"));
    assertThat(reloads(gw, "ok")).isEqualTo(1.0);
  }

  @Test
  @DisplayName(
      "a removed proxy ends its live session with proxy-removed (client and audit);"
          + " the other session keeps moving bytes")
  void proxyRemoved() throws Exception {
    GatewayFixture.Running gw = start(config(proxy("one", echo), proxy("two", echo2)));
    String alice = fx.token(ALICE);
    ForwarderEvents recOne = new ForwarderEvents();
    ForwarderEvents recTwo = new ForwarderEvents();
    try (Socket one = connect(forwarder(gw, "one", recOne, alice));
        Socket two = connect(forwarder(gw, "two", recTwo, alice))) {
      roundTrip(one, "one before");
      roundTrip(two, "two before");

      replace(config(proxy("one", echo)));

      assertThat(endsWithin(two, WAIT)).as("the local connection to two is closed").isTrue();
      await().atMost(WAIT).until(() -> endOf(gw, "two") != null);
      assertThat(endOf(gw, "two").path("reason").asText()).isEqualTo("proxy-removed");
      await().atMost(WAIT).until(() -> !recTwo.reasons.isEmpty());
      assertThat(recTwo.reasons.get(0))
          .startsWith("proxy-removed")
          .contains("proxy two was removed from the gateway's configuration");
      assertThat(recTwo.notices).anyMatch(n -> n.contains("removed"));

      for (int i = 0; i < 20; i++) {
        roundTrip(one, "one after " + i);
      }
      assertThat(endOf(gw, "one")).as("session on one still live").isNull();
      assertThat(recOne.reasons).isEmpty();
    }
    await().atMost(WAIT).until(() -> endOf(gw, "one") != null);
    assertThat(gw.audit("session.start")).hasSize(2);
    assertThat(gw.audit("session.end")).hasSize(2);
    // New tunnels to the removed proxy are refused like any unknown proxy.
    assertRefused(gw, "two", alice, TunnelError.PROXY_NOT_FOUND);
  }

  @Test
  @DisplayName(
      "a user the allow rules no longer name is disconnected with access-revoked;"
          + " a user still allowed through a group continues")
  void accessRevoked() throws Exception {
    GatewayFixture.Running gw = start(config(proxy("db", echo, ALICE, "dba", "")));
    String alice = fx.token(ALICE, "staff");
    String bob = fx.token(BOB, "dba");
    ForwarderEvents recAlice = new ForwarderEvents();
    ForwarderEvents recBob = new ForwarderEvents();
    try (Socket a = connect(forwarder(gw, "db", recAlice, alice));
        Socket b = connect(forwarder(gw, "db", recBob, bob))) {
      roundTrip(a, "alice before");
      roundTrip(b, "bob before");

      replace(config(proxy("db", echo, "", "dba", "")));

      assertThat(endsWithin(a, WAIT)).isTrue();
      await().atMost(WAIT).until(() -> !recAlice.reasons.isEmpty());
      assertThat(recAlice.reasons.get(0))
          .startsWith("access-revoked")
          .contains("access to proxy db was revoked for " + ALICE);
      JsonNode end =
          gw.audit("session.end").stream()
              .filter(e -> e.path("user").asText().equals(ALICE))
              .findFirst()
              .orElseThrow();
      assertThat(end.path("reason").asText()).isEqualTo("access-revoked");

      for (int i = 0; i < 10; i++) {
        roundTrip(b, "bob after " + i);
      }
      assertThat(recBob.reasons).isEmpty();
    }
    assertRefused(gw, "db", alice, TunnelError.PROXY_NOT_FOUND);
  }

  @Test
  @DisplayName(
      "changed limits apply to new sessions; live sessions stay counted across the swap;"
          + " a changed target is used by new sessions only")
  void limitsAndTargetChange() throws Exception {
    GatewayFixture.Running gw = start(config(proxy("db", echo, ALICE, "", "maxSessions: 1")));
    String alice = fx.token(ALICE);
    ForwarderEvents rec = new ForwarderEvents();
    Forwarder f = forwarder(gw, "db", rec, alice);
    try (Socket first = connect(f)) {
      roundTrip(first, "first");
      assertRefused(gw, "db", alice, TunnelError.LIMIT_REACHED);

      // Raise the cap and move the target: the live session stays on echo, new ones go to echo2.
      replace(config(proxy("db", echo2, ALICE, "", "maxSessions: 2")));
      await().atMost(WAIT).until(() -> reloads(gw, "ok") == 1.0);
      try (Socket second = connect(f)) {
        roundTrip(second, "second");
        assertThat(echo2.accepted()).isEqualTo(1);
        roundTrip(first, "first still on the old target");
        assertThat(echo.accepted()).isEqualTo(1);
        assertRefused(gw, "db", alice, TunnelError.LIMIT_REACHED);

        // Lower the cap below the live count: both continue, new ones wait for a free slot.
        replace(config(proxy("db", echo2, ALICE, "", "maxSessions: 1")));
        await().atMost(WAIT).until(() -> reloads(gw, "ok") == 2.0);
        roundTrip(first, "first after lowering");
        roundTrip(second, "second after lowering");
        assertRefused(gw, "db", alice, TunnelError.LIMIT_REACHED);
      }
      await().atMost(WAIT).until(() -> gw.audit("session.end").size() == 1);
      // One live session, cap 1: still full.
      assertRefused(gw, "db", alice, TunnelError.LIMIT_REACHED);
    }
    await().atMost(WAIT).until(() -> gw.audit("session.end").size() == 2);
    try (Socket third = connect(f)) {
      roundTrip(third, "a slot came back");
    }
    assertThat(rec.reasons).doesNotContain("limit-reached");
  }

  static void assertRefused(
      GatewayFixture.Running gw, String proxy, String token, TunnelError expected)
      throws Exception {
    assertThat(
            TunnelRefusals.expect(gw.connector().open(proxy, token), Duration.ofSeconds(20))
                .error())
        .isEqualTo(expected);
  }

  @Test
  @DisplayName(
      "a file rewritten in place, in pieces, is never applied half-written:"
          + " a session on the proxy at the end of the file survives 12 rewrites")
  void halfWrittenNeverApplied() throws Exception {
    String a = config(proxy("one", echo), proxy("two", echo2));
    GatewayFixture.Running gw = start(a);
    String alice = fx.token(ALICE);
    ForwarderEvents rec = new ForwarderEvents();
    AtomicBoolean sampling = new AtomicBoolean(true);
    AtomicReference<String> seen = new AtomicReference<>();
    Thread sampler =
        new Thread(
            () -> {
              while (sampling.get()) {
                List<String> names =
                    gw.server().config().proxies().stream().map(p -> p.name()).toList();
                if (!names.equals(List.of("one", "two"))) {
                  seen.compareAndSet(null, names.toString());
                }
                Thread.onSpinWait();
              }
            },
            "config-sampler");
    sampler.setDaemon(true);
    sampler.start();
    try (Socket two = connect(forwarder(gw, "two", rec, alice))) {
      roundTrip(two, "before");
      for (int round = 1; round <= 12; round++) {
        // Each version differs (description), and its first half is itself a valid config
        // without "two": applying it would end the session on two with proxy-removed.
        String full = a.replace("reload test two", "reload test two, version " + round);
        int cut = full.indexOf("  - name: two");
        writeInPlaceInPieces(full.substring(0, cut), full.substring(cut), Duration.ofMillis(20));
        int expected = round;
        await().atMost(WAIT).until(() -> reloads(gw, "ok") >= expected);
        roundTrip(two, "after round " + round);
      }
      assertThat(rec.reasons).isEmpty();
    } finally {
      sampling.set(false);
      sampler.join(5_000);
    }
    assertThat(seen.get()).as("a config other than [one, two] was live").isNull();
    assertThat(reloads(gw, "ok")).isEqualTo(12.0);
    assertThat(
            gw.audit("session.end").stream()
                .noneMatch(e -> e.path("reason").asText().equals("proxy-removed")))
        .isTrue();
  }

  /** Truncates and writes {@code first}, pauses, then appends {@code rest}: no rename. */
  void writeInPlaceInPieces(String first, String rest, Duration pause) throws Exception {
    try (FileChannel ch =
        FileChannel.open(
            file,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.CREATE)) {
      ch.write(ByteBuffer.wrap(first.getBytes(StandardCharsets.UTF_8)));
      ch.force(false);
      Thread.sleep(pause.toMillis());
      ch.write(ByteBuffer.wrap(rest.getBytes(StandardCharsets.UTF_8)));
    }
  }

  @Test
  @DisplayName("port, bind, TLS, issuers and the audit file keep their running values")
  void restartOnlySettingsKept() throws Exception {
    GatewayFixture.Running gw = start(config(proxy("one", echo)));
    String changed =
        config(proxy("one", echo), proxy("two", echo2))
            .replace("  bind: 127.0.0.1", "  bind: 0.0.0.0\n  port: 9999")
            .replace("      clientId: " + CLIENT_ID, "      clientId: someone-else");
    List<String> kept = gw.server().reload(ConfigLoader.parse("test.yaml", changed, Map.of()));
    assertThat(kept).containsExactly("gateway.bind", "gateway.port", "identity.issuers");
    assertThat(gw.server().config().issuers().get(0).clientId()).isEqualTo(CLIENT_ID);
    assertThat(gw.server().config().proxy("two")).isPresent();
    // The gateway still answers where it was bound, with the proxy the reload added.
    assertThat(proxiesFor(gw, fx.token(ALICE))).containsExactly("one", "two");
  }
}
