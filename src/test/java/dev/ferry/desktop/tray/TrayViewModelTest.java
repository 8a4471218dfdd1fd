package dev.ferry.desktop.tray;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.client.api.GatewayInfo;
import dev.ferry.client.api.ProxyList;
import dev.ferry.client.forward.Forwarder;
import dev.ferry.client.forward.ForwarderListener;
import dev.ferry.desktop.forwarders.ForwarderViewModel;
import dev.ferry.desktop.forwarders.ForwardersViewModel;
import dev.ferry.desktop.gateways.Account;
import dev.ferry.desktop.gateways.GatewayService;
import dev.ferry.desktop.gateways.GatewaysViewModel;
import dev.ferry.desktop.proxies.ProxiesViewModel;
import dev.ferry.desktop.settings.Settings;
import dev.ferry.desktop.settings.SettingsModel;
import dev.ferry.desktop.settings.SettingsStore;
import dev.ferry.tunnel.TunnelError;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tray's view-model without the FX toolkit or AWT: the caller's thread is the UI thread, the
 * tray is a recording {@link TrayViewModel.Port}.
 */
class TrayViewModelTest {
  private static final String GW = "http://127.0.0.1:8080";
  private static final String OTHER = "http://127.0.0.1:9090";

  @TempDir Path dir;
  private final Executor now = Runnable::run;
  private final List<String> notified = new ArrayList<>();
  private final List<List<TrayMenu.Item>> shown = new ArrayList<>();
  private Instant clock = Instant.parse("2025-01-01T10:00:00Z");
  private SettingsModel settings;
  private GatewaysViewModel gateways;
  private ForwardersViewModel forwarders;
  private TrayViewModel tray;
  private final List<String> ran = new ArrayList<>();

  private final TrayViewModel.Port port =
      new TrayViewModel.Port() {
        @Override
        public void show(List<TrayMenu.Item> items, String tooltip) {
          shown.add(items);
        }

        @Override
        public void notify(String title, String text, boolean warning) {
          notified.add((warning ? "! " : "") + title + ": " + text);
        }
      };

  @BeforeEach
  void setUp() {
    settings =
        new SettingsModel(
            new SettingsStore(dir),
            Settings.DEFAULTS
                .withGateway(GW)
                .withFavorite(Settings.key(GW, "db"), true)
                .withFavorite(Settings.key(OTHER, "gone"), true) // a gateway no longer listed
                .withRecent(Settings.key(GW, "ssh"))
                .withRecent(Settings.key(GW, "db")),
            now);
    gateways = new GatewaysViewModel(StubService::new, settings, r -> {}, now);
    ProxiesViewModel proxies = new ProxiesViewModel(settings, now, now);
    forwarders = new ForwardersViewModel(settings, now, now);
    tray = new TrayViewModel(settings, gateways, proxies, forwarders, now, () -> clock);
    gateways.restore(List.of());
  }

  private ForwarderViewModel running(String proxy) {
    ForwarderViewModel f =
        new ForwarderViewModel(gateways.gateways().get(0), proxy, "postgres", now);
    forwarders.forwarders().add(f);
    return f;
  }

  @Test
  @DisplayName("the snapshot: favorites and recents of known gateways, the setting")
  void state() {
    TrayMenu.State s = tray.state();
    assertThat(s.favorites()).extracting(TrayMenu.Entry::proxy).containsExactly("db");
    assertThat(s.recents()).extracting(TrayMenu.Entry::proxy).containsExactly("db", "ssh");
    assertThat(s.favorites().get(0).gateway()).isEqualTo("127.0.0.1:8080");
    assertThat(s.keepInTray()).isTrue();
  }

  @Test
  @DisplayName("attached: the menu is shown at once and again only when it changed")
  void showsOnChange() {
    tray.attach(port, () -> ran.add("open"), () -> ran.add("quit"));
    assertThat(shown).hasSize(1);
    tray.refresh();
    assertThat(shown).hasSize(1);
    settings.update(s -> s.withFavorite(Settings.key(GW, "ssh"), true));
    assertThat(shown).hasSize(2);
    tray.run(new TrayMenu.SetKeepInTray(false));
    assertThat(settings.get().keepInTray()).isFalse();
    assertThat(tray.keepsRunningOnClose()).isFalse();
    assertThat(shown).hasSize(3);
    tray.run(new TrayMenu.OpenWindow());
    tray.run(new TrayMenu.Quit());
    assertThat(ran).containsExactly("open", "quit");
  }

  @Test
  @DisplayName("a refusal notifies with its reason, at most once per forwarder in 10 s")
  void refusals() {
    tray.attach(port, () -> {}, () -> {});
    ForwarderViewModel f = running("db");
    f.connectionRefused(50001, TunnelError.UPSTREAM_REFUSED, "connection refused");
    f.connectionRefused(50002, TunnelError.UPSTREAM_REFUSED, "connection refused");
    clock = clock.plusSeconds(11);
    f.connectionRefused(50003, TunnelError.LIMIT_REACHED, "");
    assertThat(notified)
        .containsExactly(
            "! db: connection refused: Connection from port 50001 refused: upstream down"
                + " (connection refused)",
            "! db: connection refused: Connection from port 50003 refused: limit reached");
  }

  @Test
  @DisplayName(
      "a forwarder stopped from the tray or by removing its gateway notifies; quit does not")
  void stops() {
    tray.attach(port, () -> {}, () -> {});
    running("db");
    tray.run(new TrayMenu.Disconnect(Settings.key(GW, "db")));
    assertThat(forwarders.forwarders()).isEmpty();
    assertThat(notified)
        .containsExactly("db disconnected: 127.0.0.1:0 is closed; its connections ended.");

    notified.clear();
    ForwarderViewModel ssh = running("ssh");
    forwarders.disconnect(ssh); // from the window: the user saw it
    assertThat(notified).isEmpty();

    running("ssh");
    tray.quitting();
    forwarders.closeAll();
    assertThat(notified).isEmpty();
  }

  @Test
  @DisplayName("no tray: the notice shows until dismissed, and never again after")
  void noTray() {
    tray.unavailable();
    assertThat(tray.noticeVisibleProperty().get()).isTrue();
    assertThat(tray.keepsRunningOnClose()).isFalse();
    tray.dismissNotice();
    assertThat(tray.noticeVisibleProperty().get()).isFalse();
    assertThat(settings.get().dismissed()).contains(Settings.NOTICE_NO_TRAY);
    assertThat(new SettingsStore(dir).load().dismissed()).contains(Settings.NOTICE_NO_TRAY);
    tray.unavailable();
    assertThat(tray.noticeVisibleProperty().get()).isFalse();
  }

  /** A gateway that only has a URL. */
  private record StubService(String url) implements GatewayService {
    @Override
    public GatewayInfo info() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<Account> resume() {
      return Optional.empty();
    }

    @Override
    public Account signIn(Consumer<URI> browser) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant renew() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void signOut() {}

    @Override
    public ProxyList proxies() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Forwarder forward(String proxy, int port, ForwarderListener listener) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
  }
}
