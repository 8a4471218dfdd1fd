package dev.ferry.desktop.app;

import dev.ferry.client.history.HistoryStore;
import dev.ferry.desktop.forwarders.ForwardersViewModel;
import dev.ferry.desktop.gateways.GatewayViewModel;
import dev.ferry.desktop.gateways.GatewaysViewModel;
import dev.ferry.desktop.history.HistoryViewModel;
import dev.ferry.desktop.openwith.Launcher;
import dev.ferry.desktop.openwith.OpenWithModel;
import dev.ferry.desktop.openwith.OpenWithSettingsViewModel;
import dev.ferry.desktop.proxies.ProxiesViewModel;
import dev.ferry.desktop.settings.SettingsModel;
import dev.ferry.desktop.settings.SettingsViewModel;
import dev.ferry.desktop.signin.SignInViewModel;
import dev.ferry.desktop.tray.TrayViewModel;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;

/** The main window's view-models and how they talk to each other. */
public final class MainViewModel {
  private final SettingsModel settings;
  private final SettingsViewModel look;
  private final GatewaysViewModel gateways;
  private final SignInViewModel signIn;
  private final ProxiesViewModel proxies;
  private final ForwardersViewModel forwarders;
  private final HistoryViewModel history;
  private final OpenWithModel openWith;
  private final OpenWithSettingsViewModel openWithSettings;
  private final TrayViewModel tray;

  /** With a history kept in memory only (tests that do not look at it). */
  public MainViewModel(
      SettingsModel settings,
      Function<String, dev.ferry.desktop.gateways.GatewayService> services,
      Consumer<URI> browser,
      Executor io,
      Executor ui) {
    this(
        settings,
        services,
        browser,
        io,
        ui,
        new HistoryStore(null, settings.get().historyDays(), Clock.systemUTC()),
        Launcher.SYSTEM);
  }

  /**
   * @param history where sessions are recorded (closed by {@link #close})
   * @param launcher starts "Open with…" programs
   */
  public MainViewModel(
      SettingsModel settings,
      Function<String, dev.ferry.desktop.gateways.GatewayService> services,
      Consumer<URI> browser,
      Executor io,
      Executor ui,
      HistoryStore history,
      Launcher launcher) {
    this.settings = settings;
    this.look = new SettingsViewModel(settings);
    this.gateways = new GatewaysViewModel(services, settings, io, ui);
    this.signIn = new SignInViewModel(browser, io, ui);
    this.proxies = new ProxiesViewModel(settings, io, ui);
    this.forwarders = new ForwardersViewModel(settings, io, ui);
    this.history = new HistoryViewModel(history, settings, io, ui);
    this.openWith = new OpenWithModel(settings, System.getProperty("os.name", ""), launcher, io);
    this.openWithSettings = new OpenWithSettingsViewModel(openWith);
    forwarders.recordSessionsTo(this.history.sink());
    forwarders.openWith(openWith);
    this.tray = new TrayViewModel(settings, gateways, proxies, forwarders, ui, Instant::now);

    signIn.gatewayProperty().bind(gateways.selectedProperty());
    proxies.gatewayProperty().bind(gateways.selectedProperty());
    gateways.onChecked(
        g -> {
          if (g.statusProperty().get() == GatewayViewModel.Status.READY) {
            signIn.resume(g);
          }
          if (g == gateways.selectedProperty().get()) {
            proxies.apply();
          }
        });
    signIn.onSignedIn(g -> reloadIfSelected(g));
    signIn.onSignedOut(g -> reloadIfSelected(g));
    forwarders.onRecentsChanged(proxies::apply);
  }

  private void reloadIfSelected(GatewayViewModel g) {
    if (g == gateways.selectedProperty().get()) {
      proxies.reload();
    }
  }

  /** Shows the remembered gateways (and {@code extra} ones) and checks them. */
  public void start(List<String> extra) {
    gateways.restore(extra);
    history.start();
  }

  /** Once a second while the window shows. */
  public void tick(Instant now) {
    signIn.tick(now, gateways.gateways());
    forwarders.tick(now);
  }

  /** Removes a gateway and stops its forwarders. */
  public void remove(GatewayViewModel g) {
    forwarders.disconnectAll(g);
    gateways.remove(g);
  }

  /** On quit: stops every forwarder and closes the gateways' connections. */
  public void close() {
    forwarders.closeAll();
    gateways.gateways().forEach(g -> g.service().close());
    history.close();
  }

  public SettingsModel settings() {
    return settings;
  }

  public SettingsViewModel look() {
    return look;
  }

  public GatewaysViewModel gateways() {
    return gateways;
  }

  public SignInViewModel signIn() {
    return signIn;
  }

  public ProxiesViewModel proxies() {
    return proxies;
  }

  public ForwardersViewModel forwarders() {
    return forwarders;
  }

  public HistoryViewModel history() {
    return history;
  }

  public OpenWithModel openWith() {
    return openWith;
  }

  public OpenWithSettingsViewModel openWithSettings() {
    return openWithSettings;
  }

  public TrayViewModel tray() {
    return tray;
  }
}
