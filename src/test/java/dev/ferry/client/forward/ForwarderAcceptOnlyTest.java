package dev.ferry.client.forward;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static dev.ferry.testkit.LoopbackClient.echo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testkit.CountingTcpTarget;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.IssuerWarmup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link Forwarder#acceptOnlyFrom}: the listener {@code ferry stdio} uses internally serves only
 * its own, pre-bound socket. A local process that connects first, or later, is closed at once: no
 * token is asked for, the gateway sees no request and the target no connection.
 */
@Timeout(60)
class ForwarderAcceptOnlyTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();

  @BeforeAll
  static void warmIssuer() throws Exception {
    IssuerWarmup.warm(fx);
  }

  @Test
  @DisplayName("a foreign connection, before and after the expected one, never reaches the target")
  void foreignConnectionsAreClosed() throws Exception {
    CountingTcpTarget target = fx.closeAfter(CountingTcpTarget.start());
    GatewayFixture.Running gw =
        fx.gateway().proxy("echo", target.address(), GatewayFixture.relaxed()).start();
    List<String> warnings = new CopyOnWriteArrayList<>();
    GatewayFixture.CountingTokenSource tokens = fx.tokens(fx.token(ALICE));
    Forwarder f =
        fx.closeAfter(
            new Forwarder(
                gw.connector(),
                "echo",
                tokens,
                "127.0.0.1",
                0,
                1,
                new ForwarderListener() {
                  @Override
                  public void warning(String message) {
                    warnings.add(message);
                  }
                }));
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    try (Socket own = new Socket()) {
      own.bind(new InetSocketAddress(loopback, 0));
      f.acceptOnlyFrom((InetSocketAddress) own.getLocalSocketAddress());
      int port = f.start();

      // A process that races the owner to the port gets a closed connection.
      assertThat(foreignConnectionEnds(port)).isTrue();
      assertThat(warnings).singleElement().asString().contains("serves only its own client");

      own.connect(new InetSocketAddress(loopback, port), 5000);
      own.setSoTimeout(20_000);
      echo(own, "the owner's bytes");

      // And one that comes while the owner's tunnel is open is closed too.
      assertThat(foreignConnectionEnds(port)).isTrue();
      echo(own, "still the owner's tunnel");
    }
    assertThat(warnings).hasSize(2);
    assertThat(target.acceptedCount()).as("only the owner's connection reached it").isEqualTo(1);
    assertThat(tokens.calls()).as("no token for a foreign connection").isEqualTo(1);
    assertThat(gw.audit("session.start")).hasSize(1);
    assertThat(gw.audit("session.denied")).isEmpty();
    ForwarderStats st = f.stats();
    assertThat(st.totalConnections()).isEqualTo(1);
    assertThat(st.limitedConnections()).isZero();
  }

  /** Connects from a fresh port and writes; true when the forwarder closes it without a byte. */
  private static boolean foreignConnectionEnds(int port) throws IOException {
    try (Socket foreign = new Socket("127.0.0.1", port)) {
      foreign.setSoTimeout(20_000);
      try {
        foreign.getOutputStream().write("let me in".getBytes(StandardCharsets.UTF_8));
        return foreign.getInputStream().read() == -1;
      } catch (SocketException reset) {
        return true; // closed with unread bytes: a reset counts as closed too
      }
    }
  }
}
