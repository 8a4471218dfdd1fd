package dev.ferry.desktop.app;

import static dev.ferry.testkit.LoopbackClient.echo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.desktop.forwarders.ForwarderViewModel;
import dev.ferry.desktop.proxies.ProxyItem;
import dev.ferry.testkit.GatewayFixture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "Max connections per forwarder" preference end to end through the view-models, against a real
 * gateway, OIDC provider and echo target (as {@link MainViewModelTest}: a single thread stands in
 * for the FX thread).
 */
@Timeout(120)
class ForwarderLimitViewModelTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  private static final Duration WAIT = AppHarness.WAIT;

  @TempDir Path dir;
  private AppHarness app;
  private MainViewModel vm;

  @BeforeEach
  void start() throws Exception {
    app = new AppHarness(fx, dir);
    vm = app.vm;
  }

  @AfterEach
  void stop() throws Exception {
    app.close();
  }

  private <T> T onUi(Callable<T> c) throws Exception {
    return app.onUi(c);
  }

  private ProxyItem signInAndFindEcho() throws Exception {
    app.addGateway(app.world.gateway.url());
    app.signInAsAlice();
    return app.visibleProxy("echo");
  }

  private static Socket open(ForwarderViewModel f) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", f.port()), 5000);
    s.setSoTimeout(30_000);
    return s;
  }

  private <T> T sampled(ForwarderViewModel f, Callable<T> read) throws Exception {
    return onUi(
        () -> {
          f.sample(Instant.now());
          return read.call();
        });
  }

  @Test
  @DisplayName("limit 1: a second local connection is turned away and the forwarder's card says so")
  void limitOfOne() throws Exception {
    ProxyItem echo = signInAndFindEcho();
    app.run(() -> vm.look().maxConnectionsTextProperty().set("1"));
    await().atMost(WAIT).until(() -> app.store.load().maxConnections() == 1);

    ForwarderViewModel f = app.connect(echo);
    assertThat(sampled(f, () -> f.maxConnectionsProperty().get())).isEqualTo(1);
    assertThat(sampled(f, () -> f.limitedTextProperty().get())).isEmpty();
    assertThat(sampled(f, () -> f.totalsProperty().get())).endsWith(" · at most 1 at once");
    try (Socket first = open(f)) {
      echo(first, "the one allowed");
      try (Socket second = open(f)) {
        assertThat(second.getInputStream().read()).as("turned away at once").isEqualTo(-1);
      }
      echo(first, "the first carries on");
      await().atMost(WAIT).until(() -> sampled(f, () -> f.limitedProperty().get()), n -> n == 1);
      assertThat(sampled(f, () -> f.limitedTextProperty().get()))
          .isEqualTo("1 connection turned away by the limit of 1 at once");
      await()
          .atMost(WAIT)
          .until(
              () -> onUi(() -> f.lastRefusalProperty().get()),
              r -> r.endsWith("closed: limit of 1 connections reached"));
      assertThat(onUi(() -> List.copyOf(f.refusals()))).hasSize(1);
      assertThat(sampled(f, () -> f.activeProperty().get())).isEqualTo(1);
    }
    // The slot is free again once the first connection has gone.
    await().atMost(WAIT).until(() -> sampled(f, () -> f.activeProperty().get()) == 0);
    try (Socket third = open(f)) {
      echo(third, "the slot was freed");
    }

    // A changed preference applies to forwarders started afterwards, not to the running one.
    app.run(() -> vm.look().maxConnectionsTextProperty().set("0"));
    await().atMost(WAIT).until(() -> app.store.load().maxConnections() == 0);
    assertThat(sampled(f, () -> f.maxConnectionsProperty().get())).isEqualTo(1);
    app.run(() -> vm.forwarders().disconnect(f));
    ForwarderViewModel unlimited = app.connect(echo);
    assertThat(unlimited).isNotSameAs(f);
    try (Socket a = open(unlimited);
        Socket b = open(unlimited)) {
      echo(a, "no limit");
      echo(b, "now");
    }
    assertThat(sampled(unlimited, () -> unlimited.maxConnectionsProperty().get())).isZero();
    assertThat(sampled(unlimited, () -> unlimited.limitedProperty().get())).isZero();
    assertThat(sampled(unlimited, () -> unlimited.totalsProperty().get()))
        .doesNotContain("at most");
  }
}
