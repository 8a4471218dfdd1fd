package dev.ferry.desktop.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.desktop.DesktopWorld;
import dev.ferry.desktop.PlayedBrowser;
import dev.ferry.desktop.forwarders.ForwarderViewModel;
import dev.ferry.desktop.forwarders.ForwarderViewModel.ConnectionRow;
import dev.ferry.desktop.proxies.ProxyItem;
import dev.ferry.desktop.settings.SettingsModel;
import dev.ferry.desktop.settings.SettingsStore;
import dev.ferry.desktop.tray.TrayMenu;
import dev.ferry.desktop.tray.TrayViewModel;
import dev.ferry.testkit.CuttingProxy;
import dev.ferry.testkit.GatewayFixture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;
  private final ExecutorService io = Executors.newCachedThreadPool();
  private final ExecutorService ui = Executors.newSingleThreadExecutor();
  private final PlayedBrowser browser = new PlayedBrowser();
  private DesktopWorld world;
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
    world = new DesktopWorld(fx);
    cutter = fx.closeAfter(CuttingProxy.start(world.gateway.port()));
    SettingsStore store = new SettingsStore(dir);
    vm =
        new MainViewModel(
            new SettingsModel(store, store.load(), io), world.services(dir), browser, io, ui);
    TrayViewModel.Port tray =
        new TrayViewModel.Port() {
          @Override
          public void show(List<TrayMenu.Item> items, String tooltip) {
            tooltips.add(tooltip);
          }

          @Override
          public void notify(String title, String text, boolean warning) {}
        };
    run(() -> vm.tray().attach(tray, () -> {}, () -> {}));
  }

  @AfterEach
  void stop() throws Exception {
    onUi(
        () -> {
          vm.close();
          return null;
        });
    browser.close();
    io.shutdownNow();
    ui.shutdownNow();
  }

  private <T> T onUi(Callable<T> c) throws Exception {
    return ui.submit(c).get(10, TimeUnit.SECONDS);
  }

  private void run(Runnable r) throws Exception {
    onUi(
        () -> {
          r.run();
          return null;
        });
  }

  private ForwarderViewModel connectEcho() throws Exception {
    run(() -> vm.gateways().urlInputProperty().set("http://127.0.0.1:" + cutter.port()));
    run(vm.gateways()::add);
    await().atMost(WAIT).until(() -> onUi(() -> vm.gateways().gateways().size()) == 1);
    // Adding a gateway first tries a silent sign-in; a browser sign-in asked meanwhile is a no-op.
    await()
        .atMost(WAIT)
        .until(
            () ->
                onUi(
                    () ->
                        vm.signIn().gatewayProperty().get() != null
                            && !vm.signIn().busyProperty().get()));
    world.nextSignInIsAlice();
    run(vm.signIn()::signIn);
    await().atMost(WAIT).until(() -> onUi(() -> vm.signIn().signedInProperty().get()));
    await()
        .atMost(WAIT)
        .until(
            () ->
                onUi(() -> vm.proxies().visible().stream().anyMatch(p -> p.name().equals("echo"))));
    ProxyItem echo =
        onUi(
            () ->
                vm.proxies().visible().stream()
                    .filter(p -> p.name().equals("echo"))
                    .findFirst()
                    .orElseThrow());
    run(() -> vm.forwarders().connect(echo));
    await().atMost(WAIT).until(() -> onUi(() -> vm.forwarders().forwarders().size()) == 1);
    ForwarderViewModel f = onUi(() -> vm.forwarders().forwarders().get(0));
    await().atMost(WAIT).until(() -> f.port() > 0);
    return f;
  }

  private static void echo(Socket s, String text) throws IOException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    s.getOutputStream().write(b);
    s.getOutputStream().flush();
    assertThat(new String(s.getInputStream().readNBytes(b.length), StandardCharsets.UTF_8))
        .isEqualTo(text);
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
