package dev.ferry.client.forward;

import static dev.ferry.testkit.GatewayFixture.ALICE;

import dev.ferry.gateway.config.AccessRule;
import dev.ferry.gateway.config.Limits;
import dev.ferry.testkit.CountingTcpTarget;
import dev.ferry.testkit.CuttingProxy;
import dev.ferry.testkit.ForwarderEvents;
import dev.ferry.testkit.GatewayFixture;
import java.time.Duration;
import java.util.Set;

/**
 * The scene of the superseding tests: proxy "echo" to {@code target} allows one session per user
 * (alice only) and holds a cut session for 10 minutes; alice's forwarder reaches the gateway
 * through a {@link CuttingProxy}, so a test can cut its WebSocket and hold it cut.
 */
record CutAtTheCap(
    GatewayFixture.Running gw, CuttingProxy cutter, Forwarder forwarder, ForwarderEvents reports) {

  static CutAtTheCap start(GatewayFixture fx, CountingTcpTarget target) throws Exception {
    Limits oneEach =
        new Limits(0, 1, Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofSeconds(5), false)
            .withResumeWindow(Duration.ofMinutes(10));
    GatewayFixture.Running gw =
        fx.gateway()
            .proxy("echo", target.address(), oneEach, new AccessRule(Set.of(ALICE), Set.of()))
            .start();
    CuttingProxy cutter = fx.closeAfter(CuttingProxy.start(gw.port()));
    ForwarderEvents reports = new ForwarderEvents();
    Forwarder forwarder =
        fx.forwarder(fx.connectorVia(cutter), "echo", fx.tokens(fx.token(ALICE)), reports);
    return new CutAtTheCap(gw, cutter, forwarder, reports);
  }
}
