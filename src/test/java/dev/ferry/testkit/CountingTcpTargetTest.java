package dev.ferry.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CountingTcpTargetTest {

  @Test
  @DisplayName("a fresh target has seen no connection")
  void startsAtZero() throws Exception {
    try (CountingTcpTarget target = CountingTcpTarget.start()) {
      assertThat(target.host()).isEqualTo("127.0.0.1");
      assertThat(target.address()).isEqualTo("127.0.0.1:" + target.port());
      assertThat(target.acceptedCount()).isZero();
    }
  }

  @Test
  @DisplayName("echoes until half-close, half-closes back and counts each connection")
  void echoesAndCounts() throws Exception {
    try (CountingTcpTarget target = CountingTcpTarget.start()) {
      for (int i = 1; i <= 2; i++) {
        try (Socket s = new Socket(target.host(), target.port())) {
          s.setSoTimeout(10_000);
          s.getOutputStream().write("hello".getBytes(StandardCharsets.UTF_8));
          s.shutdownOutput();
          assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
              .isEqualTo("hello");
        }
        assertThat(target.acceptedCount()).isEqualTo(i);
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> target.openCount() == 0);
    }
  }
}
