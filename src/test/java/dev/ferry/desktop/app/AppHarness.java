package dev.ferry.desktop.app;

import static org.awaitility.Awaitility.await;

import dev.ferry.desktop.DesktopWorld;
import dev.ferry.desktop.PlayedBrowser;
import dev.ferry.desktop.UiThread;
import dev.ferry.desktop.forwarders.ForwarderViewModel;
import dev.ferry.desktop.proxies.ProxyItem;
import dev.ferry.desktop.settings.SettingsModel;
import dev.ferry.desktop.settings.SettingsStore;
import dev.ferry.testkit.GatewayFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A {@link MainViewModel} against the real {@link DesktopWorld}, without the FX toolkit: a single
 * {@link UiThread} stands in for the FX thread, the IO pool is real. Holds the steps the view-model
 * tests share: add a gateway, sign in through the (played) browser, find a proxy, connect it.
 */
final class AppHarness implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(60);

  final DesktopWorld world;
  final SettingsStore store;
  final PlayedBrowser browser = new PlayedBrowser();
  final MainViewModel vm;
  private final ExecutorService io = Executors.newCachedThreadPool();
  private final UiThread ui = new UiThread();

  AppHarness(GatewayFixture fx, Path dir) throws Exception {
    world = new DesktopWorld(fx);
    store = new SettingsStore(dir);
    vm =
        new MainViewModel(
            new SettingsModel(store, store.load(), io),
            world.services(dir),
            browser,
            io,
            ui.executor());
  }

  <T> T onUi(Callable<T> c) throws Exception {
    return ui.call(c);
  }

  void run(Runnable r) throws Exception {
    ui.run(r);
  }

  /** Adds the gateway at {@code url} and waits until it is listed. */
  void addGateway(String url) throws Exception {
    run(() -> vm.gateways().urlInputProperty().set(url));
    run(vm.gateways()::add);
    await().atMost(WAIT).until(() -> onUi(() -> vm.gateways().gateways().size()) == 1);
  }

  /**
   * Signs the added gateway in as alice through the browser. Adding a gateway first tries a silent
   * sign-in, and the Sign in button stays disabled meanwhile (a browser sign-in asked then is a
   * no-op), so this waits for that to finish first.
   */
  void signInAsAlice() throws Exception {
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
  }

  /** Waits until the proxy {@code name} is listed and returns it. */
  ProxyItem visibleProxy(String name) throws Exception {
    await()
        .atMost(WAIT)
        .until(
            () -> onUi(() -> vm.proxies().visible().stream().anyMatch(p -> p.name().equals(name))));
    return onUi(
        () ->
            vm.proxies().visible().stream()
                .filter(p -> p.name().equals(name))
                .findFirst()
                .orElseThrow());
  }

  /** Connects {@code proxy} and returns its forwarder, the only one running. */
  ForwarderViewModel connect(ProxyItem proxy) throws Exception {
    run(() -> vm.forwarders().connect(proxy));
    await().atMost(WAIT).until(() -> onUi(() -> vm.forwarders().forwarders().size()) == 1);
    return onUi(() -> vm.forwarders().forwarders().get(0));
  }

  /** Writes {@code text} to {@code s} and asserts the echo target sends it back. */
  @Override
  public void close() throws Exception {
    run(vm::close);
    browser.close();
    io.shutdownNow();
    ui.close();
  }
}
