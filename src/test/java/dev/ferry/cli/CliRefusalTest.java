package dev.ferry.cli;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static dev.ferry.testkit.GatewayFixture.AUDIENCE;
import static dev.ferry.testkit.GatewayFixture.BOB;
import static dev.ferry.testkit.GatewayFixture.ISSUER_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.gateway.config.AccessRule;
import dev.ferry.gateway.config.Limits;
import dev.ferry.testkit.CliProcess;
import dev.ferry.testkit.CountingTcpTarget;
import dev.ferry.testkit.ForgedTokens;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.TcpTarget;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every refusal as the user meets it on the command line (DESIGN §2): the exit code, the one {@code
 * ferry: <reason>} line naming the reason, the gateway's {@code session.denied} record where the
 * gateway saw a tunnel request, and a target that was never touched.
 */
@Timeout(120)
class CliRefusalTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  static final ForgedTokens forged = new ForgedTokens(fx);
  static final Duration RUN = Duration.ofSeconds(60);
  static final Pattern FORWARDING = Pattern.compile("forwarding 127\\.0\\.0\\.1:(\\d+) -> (\\S+)");

  @TempDir Path home;
  CountingTcpTarget target;
  GatewayFixture.Running gw;

  @BeforeEach
  void start() throws Exception {
    target = fx.closeAfter(CountingTcpTarget.start());
    gw =
        fx.gateway()
            .proxy("db", target.address(), GatewayFixture.relaxed())
            .proxy(
                "limited",
                target.address(),
                new Limits(
                    0,
                    1,
                    Duration.ofMinutes(30),
                    Duration.ofHours(1),
                    Duration.ofSeconds(5),
                    false),
                new AccessRule(Set.of(ALICE), Set.of()))
            .start();
  }

  /** {@code ferry connect PROXY --port 0} and {@code ferry stdio PROXY}, run side by side. */
  record Both(CliProcess.Result connect, CliProcess.Result stdio) {}

  Both connectAndStdio(Map<String, String> env, String proxy, String gateway) {
    CompletableFuture<CliProcess.Result> connect =
        CompletableFuture.supplyAsync(
            () -> run(env, "connect", proxy, "--port", "0", "--gateway", gateway));
    CliProcess.Result stdio = run(env, "stdio", proxy, "--gateway", gateway);
    return new Both(connect.join(), stdio);
  }

  static CliProcess.Result run(Map<String, String> env, String... args) {
    try {
      return CliProcess.run(RUN, env, args);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Exit code, exactly one {@code ferry: } line on stderr containing every key word. */
  static String assertFailed(CliProcess.Result r, int exitCode, String... keyWords) {
    String all = "stdout:\n" + r.stdoutText() + "\nstderr:\n" + r.stderrText();
    assertThat(r.exitCode()).as(all).isEqualTo(exitCode);
    List<String> lines = r.stderr().stream().filter(l -> l.startsWith("ferry: ")).toList();
    assertThat(lines).as(all).hasSize(1);
    if (keyWords.length > 0) {
      assertThat(lines.get(0)).as(all).contains(keyWords);
    }
    assertThat(r.stdout()).as(all).noneMatch(l -> FORWARDING.matcher(l).find());
    return lines.get(0);
  }

  /** The gateway wrote a session.denied record with this reason tag, and no token. */
  void assertDenied(String tag, String token) {
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(gw.audit("session.denied")).isNotEmpty());
    for (JsonNode denied : gw.audit("session.denied")) {
      assertThat(denied.path("reason").asText()).startsWith(tag + ": ");
    }
    if (token != null) {
      assertThat(gw.auditLines()).noneMatch(l -> l.contains(token));
    }
  }

  @Nested
  @DisplayName("exit 2: authentication")
  class Authentication {
    @Test
    @DisplayName("no token anywhere (no env, empty HOME): not signed in")
    void noToken() {
      Both r = connectAndStdio(CliEnv.of(home), "db", gw.url());
      assertFailed(r.connect(), 2, "not signed in", "ferry login");
      assertFailed(r.stdio(), 2, "not signed in", "ferry login");
      assertThat(gw.audit()).isEmpty();
      assertThat(target.acceptedCount()).isZero();
    }

    static Stream<Arguments> badTokens() {
      return Stream.of(
          Arguments.of("expired", "token-expired", new String[] {"token expired"}),
          Arguments.of("not yet valid", "unauthenticated", new String[] {"not yet valid"}),
          Arguments.of("wrong issuer", "unauthenticated", new String[] {"issuer", "not trusted"}),
          Arguments.of("wrong audience", "unauthenticated", new String[] {"wrong audience"}),
          Arguments.of("alg none", "unauthenticated", new String[] {"algorithm", "none"}),
          Arguments.of(
              "HS256 keyed with the RSA public key", "unauthenticated", new String[] {"algorithm"}),
          Arguments.of("tampered signature", "unauthenticated", new String[] {"invalid signature"}),
          Arguments.of("unknown kid", "unauthenticated", new String[] {"unknown signing key"}),
          Arguments.of(
              "trailing text after the token",
              "unauthenticated",
              new String[] {"malformed token"}));
    }

    String token(String kind) throws Exception {
      switch (kind) {
        case "expired":
          fx.verifierClock().set(Instant.now().plus(Duration.ofHours(2)));
          return fx.token(ALICE);
        case "not yet valid":
          fx.verifierClock().set(Instant.now().minus(Duration.ofHours(1)));
          return fx.token(ALICE);
        case "wrong issuer":
          return fx.token("other", AUDIENCE, Map.of("email", ALICE));
        case "wrong audience":
          return fx.token(ISSUER_ID, "someone-else", Map.of("email", ALICE));
        case "alg none":
          return forged.algNone(ALICE);
        case "HS256 keyed with the RSA public key":
          return forged.hmacWithPublicKey(ALICE);
        case "tampered signature":
          return ForgedTokens.tampered(fx.token(ALICE));
        case "unknown kid":
          return forged.unknownKid(ALICE);
        case "trailing text after the token":
          return fx.token(ALICE) + " extra";
        default:
          throw new IllegalArgumentException(kind);
      }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTokens")
    void badToken(String kind, String auditTag, String[] keyWords) throws Exception {
      String token = token(kind);
      Both r = connectAndStdio(CliEnv.withToken(home, token), "db", gw.url());
      assertFailed(r.connect(), 2, keyWords);
      assertFailed(r.stdio(), 2, keyWords);
      assertDenied(auditTag, token);
      assertThat(target.acceptedCount()).isZero();
    }
  }

  @Nested
  @DisplayName("exit 3: proxy unknown or not allowed, and the two read the same")
  class Proxy {
    @Test
    void unknownProxy() {
      Both r = connectAndStdio(CliEnv.withToken(home, fx.token(ALICE)), "nope", gw.url());
      assertFailed(r.connect(), 3, "'nope'", "unknown or you are not allowed");
      assertFailed(r.stdio(), 3, "proxy nope is unknown or not available to you");
      assertDenied("not-found", null);
      assertThat(target.acceptedCount()).isZero();
    }

    @Test
    @DisplayName("a proxy the user may not reach fails exactly like an unknown one")
    void notAllowed() {
      Map<String, String> bob = CliEnv.withToken(home, fx.token(BOB, "dev"));
      Both denied = connectAndStdio(bob, "db", gw.url());
      Both unknown = connectAndStdio(bob, "dbx", gw.url());
      String connectLine = assertFailed(denied.connect(), 3, "'db'", "unknown or");
      String stdioLine = assertFailed(denied.stdio(), 3, "proxy db is unknown");
      assertThat(assertFailed(unknown.connect(), 3).replace("'dbx'", "'db'"))
          .isEqualTo(connectLine);
      assertThat(assertFailed(unknown.stdio(), 3).replace(" dbx ", " db ")).isEqualTo(stdioLine);
      assertDenied("not-found", null);
      assertThat(target.acceptedCount()).isZero();
    }
  }

  @Test
  @DisplayName(
      "exit 4: limit reached for stdio; a connect forwarder refuses the extra connection and runs on")
  void limitReached() throws Exception {
    Map<String, String> alice = CliEnv.withToken(home, fx.token(ALICE));
    try (CliProcess fwd =
        CliProcess.start(alice, "connect", "limited", "--port", "0", "--gateway", gw.url())) {
      int port = Integer.parseInt(fwd.awaitLine(FORWARDING, RUN).group(1));
      try (Socket first = new Socket("127.0.0.1", port)) {
        first.setSoTimeout(20_000);
        first.getOutputStream().write('x');
        assertThat(first.getInputStream().read()).isEqualTo('x'); // the one session is open
        assertThat(target.acceptedCount()).isEqualTo(1);

        CliProcess.Result stdio = run(alice, "stdio", "limited", "--gateway", gw.url());
        assertFailed(stdio, 4, "limit reached", "at most 1 sessions per user");
        assertDenied("limit-reached", null);

        try (Socket second = new Socket("127.0.0.1", port)) {
          second.setSoTimeout(20_000);
          fwd.awaitLine(
              Pattern.compile(
                  "^ferry: connection from 127\\.0\\.0\\.1:\\d+ refused: limit reached"),
              RUN);
          assertThat(readToEnd(second.getInputStream())).isEqualTo(-1); // closed, nothing sent
        }
        assertThat(fwd.isAlive()).isTrue();
        first.getOutputStream().write('y');
        assertThat(first.getInputStream().read()).isEqualTo('y'); // the first one still works
      }
      assertThat(target.acceptedCount()).isEqualTo(1);
      fwd.signal("INT");
      assertThat(fwd.waitFor(Duration.ofSeconds(20))).isZero();
    }
  }

  private static int readToEnd(InputStream in) throws IOException {
    try {
      return in.read();
    } catch (java.net.SocketException reset) {
      return -1; // a reset counts as closed too
    }
  }

  @Nested
  @DisplayName("exit 5: upstream or gateway unreachable")
  class Unreachable {
    @Test
    void upstreamRefused() throws Exception {
      int closed = closedPort();
      GatewayFixture.Running g2 =
          fx.gateway().proxy("gone", "127.0.0.1:" + closed, GatewayFixture.relaxed()).start();
      CliProcess.Result r =
          run(CliEnv.withToken(home, fx.token(ALICE)), "stdio", "gone", "--gateway", g2.url());
      assertFailed(r, 5, "upstream 127.0.0.1:" + closed + " refused the connection");
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(g2.audit("session.denied"))
                      .singleElement()
                      .satisfies(
                          d ->
                              assertThat(d.path("reason").asText())
                                  .startsWith("upstream-refused")));
    }

    @Test
    @DisplayName("upstream connect timeout (a loopback listener with a full accept queue)")
    void upstreamTimeout() throws Exception {
      TcpTarget stuck = fx.closeAfter(TcpTarget.notAccepting());
      for (int i = 0; i < 4; i++) {
        Socket s = new Socket();
        try {
          s.connect(new InetSocketAddress("127.0.0.1", stuck.port()), 200);
          fx.closeAfter(s);
        } catch (IOException full) {
          s.close();
          break;
        }
      }
      Limits limits =
          new Limits(
              0, 0, Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofMillis(500), false);
      GatewayFixture.Running g2 = fx.gateway().proxy("stuck", stuck, limits).start();
      CliProcess.Result r =
          run(CliEnv.withToken(home, fx.token(ALICE)), "stdio", "stuck", "--gateway", g2.url());
      assertFailed(r, 5, "upstream " + stuck.address(), "timed out after 500ms");
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(g2.audit("session.denied"))
                      .singleElement()
                      .satisfies(
                          d ->
                              assertThat(d.path("reason").asText())
                                  .startsWith("upstream-timeout")));
      assertThat(stuck.accepted()).isZero();
    }

    @Test
    void gatewayUnreachable() throws Exception {
      String url = "http://127.0.0.1:" + closedPort();
      Map<String, String> env = CliEnv.withToken(home, fx.token(ALICE));
      CompletableFuture<CliProcess.Result> list =
          CompletableFuture.supplyAsync(() -> run(env, "list", "--gateway", url));
      Both r = connectAndStdio(env, "db", url);
      assertFailed(list.join(), 5, "gateway unreachable");
      assertFailed(r.connect(), 5, "gateway unreachable");
      assertFailed(r.stdio(), 5, "gateway unreachable");
      assertThat(target.acceptedCount()).isZero();
    }
  }

  static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
