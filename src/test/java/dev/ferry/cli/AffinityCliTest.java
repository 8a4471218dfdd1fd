package dev.ferry.cli;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testkit.AffinityBalancer;
import dev.ferry.testkit.AffinityBalancer.Routed;
import dev.ferry.testkit.CliProcess;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.LoopbackClient;
import dev.ferry.testkit.TcpTarget;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * `ferry connect` behind an affinity balancer in front of two gateway instances: the cookie its
 * proxy-list check got brings its tunnel, and the tunnel's resume, to the same instance.
 */
class AffinityCliTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  static final Duration RUN = Duration.ofSeconds(90);
  static final Pattern FORWARDING = Pattern.compile("forwarding 127\\.0\\.0\\.1:(\\d+) -> echo");

  @TempDir Path home;

  @BeforeAll
  static void warmUpProvider() throws Exception {
    fx.warmProvider();
  }

  @Test
  @Timeout(180)
  @DisplayName("ferry connect: list check, tunnel and resume all reach the same instance")
  void connectKeepsOneInstance() throws Exception {
    GatewayFixture.GatewayBuilder config = fx.gateway().proxy("echo", fx.target(TcpTarget.echo()));
    GatewayFixture.Running[] gws = {config.start(), config.start()};
    AffinityBalancer lb = fx.closeAfter(AffinityBalancer.start(gws[0].port(), gws[1].port()));
    try (CliProcess fwd =
        CliProcess.start(
            CliEnv.withToken(home, fx.token(ALICE)),
            "connect",
            "echo",
            "--gateway",
            "http://127.0.0.1:" + lb.port())) {
      int port = Integer.parseInt(fwd.awaitLine(FORWARDING, RUN).group(1));
      try (Socket s = LoopbackClient.connect(port, RUN)) {
        LoopbackClient.echo(s, "before the cut");
        assertThat(lb.cut()).as("the tunnel (and an idle API connection)").isPositive();
        fwd.awaitLine(Pattern.compile("^ferry: connection from .* resumed after .*$"), RUN);
        LoopbackClient.echo(s, "after the cut");
      }
      fwd.signal("INT");
      assertThat(fwd.waitFor(Duration.ofSeconds(20))).as(fwd.describe()).isZero();
    }
    List<Routed> routed = lb.routed();
    assertThat(routed).extracting(Routed::path).startsWith("/v1/proxies", "/v1/tunnel/echo");
    assertThat(routed).hasSize(3);
    assertThat(routed).extracting(Routed::byCookie).containsExactly(false, true, true);
    assertThat(routed.get(2).resume()).isTrue();
    int holder = routed.get(0).backend();
    assertThat(routed).extracting(Routed::backend).containsOnly(holder);
    gws[holder].awaitOnlySessionEnd(Duration.ofSeconds(30));
    assertThat(gws[holder].resumes("echo", "ok")).isEqualTo(1);
    assertThat(gws[1 - holder].audit()).isEmpty();
  }
}
