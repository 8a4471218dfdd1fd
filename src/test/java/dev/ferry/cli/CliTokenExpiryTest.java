package dev.ferry.cli;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.gateway.config.Limits;
import dev.ferry.testkit.CliProcess;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.TcpTarget;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session bound to a token that cannot be renewed ({@code $FERRY_TOKEN}) ends when the token
 * expires, and the command line says so: {@code ferry stdio} exits 2 with "token expired", {@code
 * ferry connect} prints why the relayed connection ended and keeps running. The token lives 30 s
 * (room for two CLI JVMs to start on a loaded machine) and the verifier's skew is 2 s.
 */
@Timeout(180)
class CliTokenExpiryTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  static final Duration RUN = Duration.ofSeconds(90);
  static final Pattern FORWARDING = Pattern.compile("forwarding 127\\.0\\.0\\.1:(\\d+) -> (\\S+)");

  @TempDir Path home;

  @Test
  @DisplayName("a static token: stdio exits 2 'token expired', connect prints why it ended")
  void staticTokenEndsTheSession() throws Exception {
    TcpTarget echo = fx.target(TcpTarget.echo());
    Limits bound =
        new Limits(0, 0, Duration.ofMinutes(30), Duration.ofHours(12), Duration.ofSeconds(5), true);
    GatewayFixture.Running gw =
        fx.gateway().clockSkew(Duration.ofSeconds(2)).proxy("db", echo, bound).start().warmUp();
    Map<String, String> env = CliEnv.withToken(home, fx.token(ALICE, Duration.ofSeconds(30)));
    try (CliProcess stdio = CliProcess.start(env, "stdio", "db", "--gateway", gw.url());
        CliProcess fwd =
            CliProcess.start(env, "connect", "db", "--port", "0", "--gateway", gw.url())) {
      int port = Integer.parseInt(fwd.awaitLine(FORWARDING, RUN).group(1));
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setSoTimeout(60_000);
        s.getOutputStream().write('x');
        assertThat(s.getInputStream().read()).as(fwd::describe).isEqualTo('x');
        assertThat(s.getInputStream().read()).as(fwd::describe).isEqualTo(-1);
      }
      fwd.awaitLine(
          Pattern.compile(
              "^ferry: connection from 127\\.0\\.0\\.1:\\d+ ended: token-expired: token expired"),
          RUN);
      assertThat(fwd.stderr()).anyMatch(l -> l.contains("cannot renew the token"));
      assertThat(fwd.isAlive()).isTrue();

      assertThat(stdio.waitFor(RUN)).as(stdio::describe).isEqualTo(2);
      List<String> lines = stdio.stderr().stream().filter(l -> l.startsWith("ferry: ")).toList();
      assertThat(lines).as(stdio::describe).containsExactly("ferry: token expired");
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> gw.audit("session.end").size() == 2);
    assertThat(gw.audit("session.start")).hasSize(2);
    for (JsonNode end : gw.audit("session.end")) {
      assertThat(end.path("reason").asText()).isEqualTo("token-expired");
    }
  }
}
