package dev.ferry.desktop.app;

import static dev.ferry.testkit.LoopbackClient.echo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.desktop.forwarders.ForwarderViewModel;
import dev.ferry.desktop.forwarders.ForwarderViewModel.ConnectionRow;
import dev.ferry.desktop.tray.TrayMenu;
import dev.ferry.desktop.tray.TrayViewModel;
import dev.ferry.testkit.CuttingProxy;
import dev.ferry.testkit.GatewayFixture;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A forwarder's card while its tunnel resumes, through the view-models: the gateway is added by the
 * address of a {@link CuttingProxy}, which cuts the WebSocket and refuses reconnects until released
 * (a single thread stands in for the FX thread, as in {@link ForwarderLimitViewModelTest}).
 */
@Timeout(120)
class ResumeBadgeViewModelTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  private static final Duration WAIT = AppHarness.WAIT;

  @TempDir Path dir;
  private AppHarness app;
  private CuttingProxy cutter;
  private MainViewModel vm;
  private final List<String> tooltips = new CopyOnWriteArrayList<>();

  /** A cold in-process provider can answer the first discovery slower than a sign-in waits. */
  @BeforeAll
  static void warmUpProvider() throws Exception {
    fx.warmProvider();
  }

  @BeforeEach
  void start() throws Exception {
    app = new AppHarness(fx, dir);
    vm = app.vm;
    cutter = fx.closeAfter(CuttingProxy.start(app.world.gateway.port()));
    TrayViewModel.Port tray =
        new TrayViewModel.Port() {
          @Override
          public void show(List<TrayMenu.Item> items, String tooltip) {
            tooltips.add(tooltip);
          }

          @Override
          public void notify(String title, String text, boolean warning) {}
        };
    app.run(() -> vm.tray().attach(tray, () -> {}, () -> {}));
  }

  @AfterEach
  void stop() throws Exception {
    app.close();
  }

  private <T> T onUi(Callable<T> c) throws Exception {
    return app.onUi(c);
  }

  private ForwarderViewModel connectEcho() throws Exception {
    app.addGateway("http://127.0.0.1:" + cutter.port());
    app.signInAsAlice();
    ForwarderViewModel f = app.connect(app.visibleProxy("echo"));
    await().atMost(WAIT).until(() -> f.port() > 0);
    return f;
  }

  private List<ConnectionRow> rows(ForwarderViewModel f) throws Exception {
    return onUi(
        () -> {
          f.sample(Instant.now());
          return List.copyOf(f.connections());
        });
  }

  @Test
  @DisplayName("card and tray say Reconnecting… while the cut is held, then resumed 1×")
  void reconnectingThenResumed() throws Exception {
    ForwarderViewModel f = connectEcho();
    assertThat(onUi(() -> f.resumeTextProperty().get())).isEmpty();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", f.port()), 5000);
      s.setSoTimeout(30_000);
      echo(s, "before the cut");

      cutter.refuseNew(true);
      assertThat(cutter.cut()).as("the tunnel's WebSocket at least").isPositive();
      await()
          .atMost(WAIT)
          .until(() -> onUi(() -> f.resumeTextProperty().get()), "Reconnecting…"::equals);
      int accepted = cutter.accepted();
      await().atMost(WAIT).until(() -> cutter.accepted() > accepted);
      assertThat(onUi(() -> f.resumingProperty().get())).isEqualTo(1);
      assertThat(onUi(() -> f.resumeTextProperty().get())).isEqualTo("Reconnecting…");
      assertThat(tooltips).last().isEqualTo("Ferry: 1 forwarder running, 1 reconnecting");
      assertThat(rows(f))
          .singleElement()
          .extracting(ConnectionRow::state)
          .isEqualTo("reconnecting…");

      cutter.refuseNew(false);
      await()
          .atMost(WAIT)
          .until(() -> onUi(() -> f.resumeTextProperty().get()), "resumed 1×"::equals);
      assertThat(onUi(() -> f.resumingProperty().get())).isZero();
      assertThat(onUi(() -> f.resumesProperty().get())).isEqualTo(1);
      assertThat(tooltips).last().isEqualTo("Ferry: 1 forwarder running");
      echo(s, "after the resume");
      assertThat(rows(f))
          .singleElement()
          .extracting(ConnectionRow::state)
          .isEqualTo("open (resumed 1×)");
    }
    // The count stays on the card after the connection has gone.
    await().atMost(WAIT).until(() -> rows(f).isEmpty());
    assertThat(onUi(() -> f.resumeTextProperty().get())).isEqualTo("resumed 1×");
    // The history keeps the session with its resume.
    await()
        .atMost(WAIT)
        .until(() -> onUi(() -> List.copyOf(vm.history().all())), rows -> !rows.isEmpty());
    assertThat(onUi(() -> List.copyOf(vm.history().all())))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.proxy()).isEqualTo("echo");
              assertThat(r.resumes()).isEqualTo(1);
            });
  }
}
