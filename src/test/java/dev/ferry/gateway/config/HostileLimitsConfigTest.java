package dev.ferry.gateway.config;

import static dev.ferry.gateway.config.ConfigLoaderTest.at;
import static dev.ferry.gateway.config.ConfigLoaderTest.parse;
import static dev.ferry.gateway.config.ConfigLoaderTest.problems;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** gateway.handshakeTimeout, gateway.maxPendingHandshakes and a proxy's allowLinkLocal. */
class HostileLimitsConfigTest {
  static final String IDENTITY =
      """
      identity:
        issuers:
          - issuer: http://127.0.0.1:9000/default
            audiences: [ferry]
      """;
  static final String PROXY =
      """
      proxies:
        - name: meta
          target: 169.254.169.254:80
          allow: { users: [a@example.com] }
      """;

  @Test
  void defaults() throws Exception {
    GatewayConfig c = parse(IDENTITY + PROXY);
    assertThat(c.gateway().handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.gateway().maxPendingHandshakes()).isEqualTo(1024);
    assertThat(c.proxies().get(0).allowLinkLocal()).isFalse();
  }

  @Test
  void set() throws Exception {
    GatewayConfig c =
        parse(
            "gateway:\n  handshakeTimeout: 3s\n  maxPendingHandshakes: 50\n"
                + IDENTITY
                + PROXY
                + "    allowLinkLocal: true\n");
    assertThat(c.gateway().handshakeTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(c.gateway().maxPendingHandshakes()).isEqualTo(50);
    assertThat(c.proxies().get(0).allowLinkLocal()).isTrue();
    assertThat(ConfigSummary.describe(c))
        .contains("handshake deadline 3s, at most 50 pending handshakes")
        .contains("link-local addresses allowed");
  }

  @Test
  void strict() {
    assertThat(
            problems(
                "gateway:\n  handshakeTimeout: 50ms\n  maxPendingHandshakes: 0\n"
                    + IDENTITY
                    + PROXY
                    + "    allowLinkLocal: yes-please\n"))
        .extracting(ConfigProblem::message)
        .contains(
            "gateway.handshakeTimeout must be between 100ms and 5m, got 50ms",
            "gateway.maxPendingHandshakes must be between 1 and 100000, got 0")
        .anyMatch(m -> m.contains("proxies[0].allowLinkLocal"));
    assertThat(problems("gateway:\n  handshakeTimeout: 10\n" + IDENTITY))
        .extracting(ConfigProblem::message)
        .anyMatch(m -> m.contains("gateway.handshakeTimeout"));
    assertThat(problems("gateway:\n  maxPendingHandshakes: 1e9\n" + IDENTITY))
        .extracting(ConfigProblem::message)
        .anyMatch(m -> m.contains("gateway.maxPendingHandshakes"));
    assertThat(problems("gateway:\n  handshakeTimeout: 6m\n" + IDENTITY))
        .containsExactly(
            at(2, 21, "gateway.handshakeTimeout must be between 100ms and 5m, got 6m"));
  }
}
