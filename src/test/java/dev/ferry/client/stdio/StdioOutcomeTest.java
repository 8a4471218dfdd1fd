package dev.ferry.client.stdio;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.tunnel.TunnelError;
import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The forwarder's end reasons, as {@code ferry stdio} turns them into an exit code and a message
 * (the reason strings are the ones {@code Forwarder} writes; the CLI tests drive the real ones).
 */
class StdioOutcomeTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "completed|0|completed",
        "token-expired: token expired|2|token expired",
        "token-expired|2|token expired",
        "access-revoked: alice is no longer allowed|3|alice is no longer allowed",
        "idle-timeout: no data for 30m|5|no data for 30m",
        "upstream-reset: upstream 127.0.0.1:22 reset the connection|5|upstream 127.0.0.1:22 reset the"
            + " connection",
        "draining: the gateway is shutting down|5|the gateway is shutting down",
        "protocol-error: DATA after EOF|1|DATA after EOF",
        "gateway connection lost|5|lost the connection to the gateway (it closed without ending the"
            + " tunnel)",
        "resume-timeout: could not resume the tunnel to ssh within 60s: connection refused|5|lost the"
            + " connection to the gateway; could not resume the tunnel to ssh within 60s:"
            + " connection refused",
        "closed 4999: something new|1|the gateway ended the tunnel: closed 4999: something new",
      })
  void endReasons(String reason, int exitCode, String detail) {
    StdioTunnel.Result r = StdioOutcome.fromReason(reason, 3, 4);
    assertThat(r.exitCode()).isEqualTo(exitCode);
    assertThat(r.detail()).isEqualTo(detail);
    assertThat(r.bytesUp()).isEqualTo(3);
    assertThat(r.bytesDown()).isEqualTo(4);
  }

  @Test
  @DisplayName("a refusal keeps its error and detail; after a stop every end is an orderly one")
  void refusalsAndStops() {
    StdioOutcome refused = new StdioOutcome();
    refused.connectionRefused(
        1, Instant.now(), TunnelError.LIMIT_REACHED, "limit reached: at most 1 sessions per user");
    assertThat(refused.result().join())
        .isEqualTo(
            new StdioTunnel.Result(
                TunnelError.LIMIT_REACHED, "limit reached: at most 1 sessions per user", 0, 0));

    StdioOutcome stopped = new StdioOutcome();
    stopped.stopping();
    stopped.connectionClosed(1, Instant.now(), 5, 6, "client-closed");
    assertThat(stopped.result().join()).isEqualTo(new StdioTunnel.Result(null, "stopped", 5, 6));

    StdioOutcome broken = new StdioOutcome();
    broken.localFailure("cannot write standard output: Broken pipe");
    broken.connectionClosed(1, Instant.now(), 5, 6, "client-closed");
    assertThat(broken.result().join().error()).isEqualTo(TunnelError.INTERNAL);
    assertThat(broken.result().join().detail())
        .isEqualTo("cannot write standard output: Broken pipe");
  }
}
