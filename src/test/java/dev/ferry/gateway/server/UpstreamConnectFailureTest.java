package dev.ferry.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.gateway.config.Target;
import dev.ferry.tunnel.TunnelError;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How a failed upstream connect is named, from the exceptions the JDK really throws. The reset case
 * is made deterministic here: the upstream accepts and resets before the connect is finished, which
 * in the gateway only happens when its event loop is slower than the upstream (see {@code
 * UpstreamEarlyCloseTest} for that race end to end).
 */
@Timeout(60)
class UpstreamConnectFailureTest {
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  @Test
  @DisplayName("accepted, then reset before the connect finished: upstream-reset, not refused")
  void resetBeforeFinishConnect() throws Exception {
    Throwable cause = resetBeforeFinishConnectCause();
    assertThat(cause).isInstanceOf(java.net.SocketException.class);
    try (ServerSocket anyPort = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      Target target = new Target("127.0.0.1", anyPort.getLocalPort());
      UpstreamConnectFailure f = UpstreamConnectFailure.of(cause, target, TIMEOUT);
      assertThat(f.error()).isEqualTo(TunnelError.UPSTREAM_CLOSED);
      assertThat(f.error().tag()).isEqualTo("upstream-reset");
      assertThat(f.error().httpStatus()).isEqualTo(502);
      assertThat(f.detail())
          .isEqualTo("upstream " + target + " reset the connection right after accepting it");
    }
  }

  @Test
  @DisplayName("nothing listening: still upstream-refused, 502")
  void refused() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closedPort = s.getLocalPort();
    }
    Throwable cause = null;
    try (SocketChannel ch = SocketChannel.open()) {
      ch.connect(new InetSocketAddress("127.0.0.1", closedPort));
    } catch (IOException e) {
      cause = e;
    }
    Target target = new Target("127.0.0.1", closedPort);
    UpstreamConnectFailure f = UpstreamConnectFailure.of(cause, target, TIMEOUT);
    assertThat(f.error()).isEqualTo(TunnelError.UPSTREAM_REFUSED);
    assertThat(f.detail()).isEqualTo("upstream " + target + " refused the connection");
    assertThat(TunnelError.fromHttpStatus(502))
        .as("a 502 without a problem type still reads as refused")
        .isEqualTo(TunnelError.UPSTREAM_REFUSED);
  }

  /**
   * A non-blocking connect whose peer accepts and resets (SO_LINGER 0) before {@code
   * finishConnect}: what the JDK then throws. On loopback the RST is delivered within the close;
   * the bounded retry only guards a slower stack.
   */
  private static Throwable resetBeforeFinishConnectCause() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      for (int attempt = 0; attempt < 20; attempt++) {
        try (SocketChannel ch = SocketChannel.open()) {
          ch.configureBlocking(false);
          boolean connected = ch.connect(new InetSocketAddress("127.0.0.1", server.getLocalPort()));
          try (Socket accepted = server.accept()) {
            accepted.setSoLinger(true, 0);
          }
          if (connected) {
            continue;
          }
          Thread.sleep(10L * (attempt + 1));
          try {
            ch.finishConnect();
          } catch (IOException e) {
            return e;
          }
        }
      }
    }
    throw new AssertionError("the reset never came before finishConnect");
  }
}
