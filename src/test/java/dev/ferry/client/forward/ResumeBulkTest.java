package dev.ferry.client.forward;

import dev.ferry.testkit.GatewayFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The figure: 1 GiB each way with the WebSocket cut 20 times. Runs in the {@code
 * bulk-transfer} surefire execution (simple leak detection); {@link ResumeTest} keeps a 64 MiB, 5
 * cut variant in the main suite.
 */
class ResumeBulkTest {
  @RegisterExtension static final GatewayFixture fx = ResumeTest.fx;

  @BeforeAll
  static void warmUpProvider() throws Exception {
    ResumeTest.warmUpProvider();
  }

  @Test
  @Timeout(900)
  @DisplayName("1 GiB each way, the WebSocket cut 20 times: 0 SHA-256 mismatches, 0 resets")
  void oneGibEachWayTwentyCuts() throws Exception {
    ResumeTest.transferWithCuts(
        Long.getLong("ferry.resume.bytes", 1L << 30), Integer.getInteger("ferry.resume.cuts", 20));
  }
}
