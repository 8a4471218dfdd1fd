package dev.ferry.desktop.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.history.Outcome;
import dev.ferry.client.history.SessionRecord;
import dev.ferry.desktop.DesktopWorld;
import dev.ferry.desktop.forwarders.ForwarderViewModel;
import dev.ferry.desktop.gateways.GatewayViewModel;
import dev.ferry.desktop.proxies.ProxyItem;
import dev.ferry.desktop.settings.Settings;
import dev.ferry.testkit.GatewayFixture;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
 * The view-models against a real in-process gateway and OIDC provider, without the FX toolkit: a
 * single "UI" thread stands in for the FX thread, the IO pool is real.
 */
@Timeout(90)
class MainViewModelTest {
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

  private GatewayViewModel addAndSignIn() throws Exception {
    app.addGateway(app.world.gateway.url());
    GatewayViewModel g = onUi(() -> vm.gateways().selectedProperty().get());
    assertThat(onUi(() -> g.nameProperty().get())).isEqualTo("test-gateway");
    assertThat(onUi(() -> vm.proxies().emptyMessageProperty().get()))
        .isEqualTo("Sign in to see your proxies.");
    app.signInAsAlice();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(onUi(() -> names(vm.proxies().visible())))
                    .as(() -> vm.proxies().emptyMessageProperty().get())
                    .hasSize(2));
    return g;
  }

  private static List<String> names(List<ProxyItem> items) {
    return items.stream().map(ProxyItem::name).toList();
  }

  @Test
  @DisplayName("add by URL, sign in through the browser, see who and the proxies, search, pin")
  void signInAndList() throws Exception {
    addAndSignIn();
    assertThat(app.browser.opened).hasSize(1);
    assertThat(onUi(() -> vm.signIn().userProperty().get())).isEqualTo(GatewayFixture.ALICE);
    assertThat(onUi(() -> vm.signIn().groupsProperty().get())).isEqualTo("dba");
    assertThat(onUi(() -> vm.signIn().expiryProperty().get())).startsWith("token expires in ");
    assertThat(onUi(() -> names(vm.proxies().visible()))).containsExactly("down", "echo");
    assertThat(onUi(() -> List.copyOf(vm.proxies().tags()))).containsExactly("All tags", "test");

    app.run(() -> vm.proxies().searchProperty().set("ECH"));
    assertThat(onUi(() -> names(vm.proxies().visible()))).containsExactly("echo");
    app.run(() -> vm.proxies().searchProperty().set("nothing-like-this"));
    assertThat(onUi(() -> vm.proxies().emptyMessageProperty().get())).contains("No proxy matches");
    app.run(() -> vm.proxies().searchProperty().set(""));

    ProxyItem echo = onUi(() -> vm.proxies().visible().get(1));
    app.run(() -> vm.proxies().toggleFavorite(echo));
    assertThat(onUi(() -> names(vm.proxies().visible()))).containsExactly("echo", "down");
    await()
        .atMost(WAIT)
        .until(
            () -> app.store.load().favorites(),
            f -> f.contains(Settings.key(app.world.gateway.url(), "echo")));
    assertThat(app.store.load().gateways()).containsExactly(app.world.gateway.url());

    app.run(vm.signIn()::signOut);
    assertThat(onUi(() -> vm.proxies().emptyMessageProperty().get()))
        .isEqualTo("Sign in to see your proxies.");
  }

  @Test
  @DisplayName("connect, bytes through the local port move the stats, disconnect; refusal reasons")
  void connectAndStats() throws Exception {
    addAndSignIn();
    ProxyItem echo =
        onUi(() -> vm.proxies().visible().stream().filter(p -> p.name().equals("echo")).findFirst())
            .orElseThrow();
    ForwarderViewModel f = app.connect(echo);
    assertThat(f.connectionString()).isEqualTo("127.0.0.1:" + f.port());

    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", f.port()), 5000);
      s.setSoTimeout(10_000);
      s.getOutputStream().write(new byte[1000]);
      InputStream in = s.getInputStream();
      assertThat(in.readNBytes(1000)).hasSize(1000);
      await()
          .atMost(WAIT)
          .until(
              () ->
                  onUi(
                      () -> {
                        f.sample(Instant.now());
                        return f.bytesDownProperty().get() == 1000 && f.connections().size() == 1;
                      }));
      assertThat(onUi(() -> f.bytesUpTextProperty().get())).isEqualTo("1000 B");
      assertThat(onUi(() -> f.activeProperty().get())).isEqualTo(1);
      assertThat(onUi(() -> f.connections().get(0).clientPort())).isEqualTo(s.getLocalPort());
      assertThat(onUi(() -> f.rates())).isNotEmpty();
    }
    assertThat(app.store.load().recents()).isNotEmpty();
    int port = f.port();

    // The session is in the history with its bytes once the connection has closed.
    await()
        .atMost(WAIT)
        .until(() -> onUi(() -> List.copyOf(vm.history().rows())), rows -> rows.size() == 1);
    SessionRecord h = onUi(() -> vm.history().rows().get(0));
    assertThat(h.proxy()).isEqualTo("echo");
    assertThat(h.gateway()).isEqualTo(app.world.gateway.url());
    assertThat(h.gatewayName()).isEqualTo("test-gateway");
    assertThat(h.localPort()).isEqualTo(port);
    assertThat(h.bytesUp()).isEqualTo(1000);
    assertThat(h.bytesDown()).isEqualTo(1000);
    assertThat(h.outcome()).isEqualTo(Outcome.OK);

    // "Open with…" runs the configured argv for this forwarder's port, without a shell.
    vm.openWith().setCommand("tcp", "touch '" + dir + "/opened-{port}'");
    assertThat(f.canOpenWith()).isTrue();
    app.run(f::openWith);
    await()
        .atMost(WAIT)
        .until(() -> onUi(() -> f.openWithStatusProperty().get()), s -> s.equals("Opened touch."));
    assertThat(dir.resolve("opened-" + port)).exists();
    vm.openWith().setCommand("tcp", "ferry-no-such-program {port}");
    app.run(f::openWith);
    await()
        .atMost(WAIT)
        .until(
            () -> onUi(() -> f.openWithProblemProperty().get()),
            s -> s.contains("ferry-no-such-program: command not found"));
    app.run(() -> vm.forwarders().disconnect(f));
    await()
        .atMost(WAIT)
        .until(
            () -> {
              try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return false;
              } catch (java.io.IOException refused) {
                return true;
              }
            });

    ProxyItem down =
        onUi(() -> vm.proxies().visible().stream().filter(p -> p.name().equals("down")).findFirst())
            .orElseThrow();
    ForwarderViewModel d = app.connect(down);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", d.port()), 5000);
      s.setSoTimeout(10_000);
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
    await()
        .atMost(WAIT)
        .until(() -> onUi(() -> d.lastRefusalProperty().get()), r -> r.contains("upstream down"));
    await()
        .atMost(WAIT)
        .until(() -> onUi(() -> List.copyOf(vm.history().rows())), rows -> rows.size() == 2);
    SessionRecord refused = onUi(() -> vm.history().rows().get(0));
    assertThat(refused.proxy()).isEqualTo("down");
    assertThat(refused.outcome()).isEqualTo(Outcome.REFUSED);
    assertThat(refused.reason()).contains("upstream down");
  }

  @Test
  @DisplayName("a pinned port that is taken: a clear message, a free port offered, and it works")
  void portClash() throws Exception {
    addAndSignIn();
    ProxyItem echo =
        onUi(() -> vm.proxies().visible().stream().filter(p -> p.name().equals("echo")).findFirst())
            .orElseThrow();
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      app.run(() -> vm.forwarders().pinPort(echo, taken.getLocalPort()));
      app.run(() -> vm.forwarders().connect(echo));
      await()
          .atMost(WAIT)
          .until(() -> onUi(() -> vm.forwarders().problemProperty().get()), p -> !p.isEmpty());
      assertThat(onUi(() -> vm.forwarders().problemProperty().get()))
          .contains("Port " + taken.getLocalPort() + " on 127.0.0.1 is in use");
      int free = onUi(() -> vm.forwarders().suggestedPortProperty().get());
      assertThat(free).isPositive().isNotEqualTo(taken.getLocalPort());
      app.run(vm.forwarders()::connectOnSuggestion);
      await().atMost(WAIT).until(() -> onUi(() -> vm.forwarders().forwarders().size()) == 1);
      assertThat(onUi(() -> vm.forwarders().forwarders().get(0).port())).isEqualTo(free);
    }
  }

  @Test
  @DisplayName("adding: several URLs at once, unreachable and non-Ferry URLs say what failed")
  void addProblems() throws Exception {
    int closed = DesktopWorld.closedPort();
    String notFerry = fx.issuer(); // an HTTP server, but no /v1/info
    app.run(
        () ->
            vm.gateways()
                .urlInputProperty()
                .set(
                    app.world.gateway.url()
                        + "\nhttp://127.0.0.1:"
                        + closed
                        + " , "
                        + notFerry
                        + " ftp://x"));
    app.run(vm.gateways()::add);
    await().atMost(WAIT).until(() -> !onUi(() -> vm.gateways().addingProperty().get()));
    String problem = onUi(() -> vm.gateways().addProblemProperty().get());
    assertThat(problem)
        .contains("gateway URL must start with http:// or https://: ftp://x")
        .contains("connection refused by 127.0.0.1:" + closed)
        .contains("does not look like a Ferry gateway");
    assertThat(onUi(() -> vm.gateways().gateways().size())).isEqualTo(1);
    await()
        .atMost(WAIT)
        .until(() -> app.store.load().gateways(), g -> g.equals(List.of(app.world.gateway.url())));
  }
}
