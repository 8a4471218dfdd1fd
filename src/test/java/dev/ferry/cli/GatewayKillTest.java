package dev.ferry.cli;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static dev.ferry.testkit.GatewayFixture.AUDIENCE;
import static dev.ferry.testkit.GatewayFixture.CLIENT_ID;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testkit.CliProcess;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.TcpTarget;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway process dies by SIGKILL (no drain, no close frames) under a live {@code ferry
 * connect} and a live {@code ferry stdio}: both report the lost gateway in words, the local socket
 * is closed rather than left hanging, and {@code ferry connect} keeps listening (new connections
 * are refused with the reason while the gateway is gone). Waits are bounded at 100 s, so a client
 * that first tries to resume the session and then gives up still passes.
 */
@Timeout(300)
class GatewayKillTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  static final Duration START = Duration.ofSeconds(60);

  /** Both clients try to resume this long before they give up (the default is 60 s). */
  static final Duration RESUME_WINDOW = Duration.ofSeconds(10);

  /** Longer than any resume attempt may take before it gives up. */
  static final Duration GIVE_UP = Duration.ofSeconds(100);

  static final Pattern FORWARDING = Pattern.compile("^forwarding 127\\.0\\.0\\.1:(\\d+) -> echo$");

  @TempDir Path dir;

  @Test
  void sigkillOfTheGatewayIsReportedAndNothingHangs() throws Exception {
    TcpTarget echo = fx.target(TcpTarget.echo());
    Path config = dir.resolve("gateway.yaml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "gateway:",
            "  bind: 127.0.0.1",
            "identity:",
            "  issuers:",
            "    - issuer: " + fx.issuer(),
            "      audiences: [" + AUDIENCE + "]",
            "      clientId: " + CLIENT_ID,
            "proxies:",
            "  - name: echo",
            "    target: " + echo.address(),
            "    allow:",
            "      users: [" + ALICE + "]",
            "    limits:",
            "      resumeWindow: " + RESUME_WINDOW.toSeconds() + "s",
            ""));
    fx.warmUpIssuer();
    Map<String, String> alice = CliEnv.withToken(dir, fx.token(ALICE));
    try (CliProcess gw =
            CliProcess.start(
                CliEnv.of(dir), "gateway", "--config", config.toString(), "--port", "0");
        CliProcess connect = startConnect(gw, alice);
        CliProcess stdio = CliProcess.start(alice, "stdio", "echo", "--gateway", url(gw))) {
      int local = Integer.parseInt(connect.awaitLine(FORWARDING, START).group(1));
      Socket s = new Socket("127.0.0.1", local);
      s.getOutputStream().write("ping\n".getBytes(StandardCharsets.UTF_8));
      assertThat(new String(s.getInputStream().readNBytes(5), StandardCharsets.UTF_8))
          .isEqualTo("ping\n");
      stdio.stdin().write("hello\n".getBytes(StandardCharsets.UTF_8));
      stdio.stdin().flush();
      stdio.awaitLine(Pattern.compile("^hello$"), START);

      gw.signal("KILL");
      assertThat(gw.waitFor(Duration.ofSeconds(20))).isNotZero();

      // ferry stdio: exits with the "gateway unreachable" code and says so.
      int code = stdio.waitFor(GIVE_UP);
      assertThat(code).as(stdio.describe()).isEqualTo(5);
      assertThat(String.join("\n", stdio.stderr()))
          .as(stdio.describe())
          .contains("ferry: lost the connection to the gateway; could not resume the tunnel");

      // ferry connect: the local connection is closed, not left open, and the reason printed.
      assertThat(endsWithin(s, GIVE_UP)).as(connect.describe()).isTrue();
      connect.awaitLine(Pattern.compile("ended: .*gateway"), GIVE_UP);
      assertThat(connect.isAlive()).as("ferry connect keeps listening").isTrue();

      // A new local connection is refused (the gateway is gone) and closed promptly.
      try (Socket again = new Socket("127.0.0.1", local)) {
        assertThat(endsWithin(again, GIVE_UP)).isTrue();
      }
      connect.awaitLine(Pattern.compile("refused: .*"), GIVE_UP);
      assertThat(connect.isAlive()).isTrue();
      connect.signal("TERM");
      assertThat(connect.waitFor(Duration.ofSeconds(20))).as(connect.describe()).isZero();
    }
  }

  static String url(CliProcess gw) {
    return "http://127.0.0.1:" + gw.awaitLine(GatewayCommandTest.LISTENING, START).group(1);
  }

  static CliProcess startConnect(CliProcess gw, Map<String, String> env) throws Exception {
    return CliProcess.start(env, "connect", "echo", "--gateway", url(gw), "--port", "0");
  }

  static boolean endsWithin(Socket s, Duration bound) throws Exception {
    s.setSoTimeout((int) bound.toMillis());
    InputStream in = s.getInputStream();
    try {
      while (in.read() >= 0) {
        // nothing more is expected
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException reset) {
      return true;
    }
  }
}
