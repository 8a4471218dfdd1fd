package dev.ferry.desktop.tray;

import dev.ferry.desktop.forwarders.ForwarderViewModel;
import dev.ferry.desktop.forwarders.ForwardersViewModel;
import dev.ferry.desktop.gateways.GatewayViewModel;
import dev.ferry.desktop.gateways.GatewaysViewModel;
import dev.ferry.desktop.proxies.ProxiesViewModel;
import dev.ferry.desktop.settings.Settings;
import dev.ferry.desktop.settings.SettingsModel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.collections.ListChangeListener;

/**
 * The tray's view-model, on the UI thread: turns the app's state into {@link TrayMenu.State}
 * snapshots for the tray (only when they changed), runs the menu's commands, and decides what to
 * notify: a forwarder stopped (from the tray, or because its gateway was removed) or a connection
 * was refused, with the reason. Knows nothing of AWT: the tray is a {@link Port}.
 *
 * <p>Without a tray ({@link #unavailable()}) it shows a notice once (until dismissed, remembered)
 * and closing the window quits as usual.
 */
public final class TrayViewModel {
  /** At most one refusal notification per forwarder in this interval. */
  static final Duration REFUSAL_QUIET = Duration.ofSeconds(10);

  static final String NO_TRAY =
      "This desktop has no system tray: closing the window quits Ferry and stops its forwarders."
          + " Everything else works as usual.";

  /** The tray as the view-model sees it; implementations hop to their own thread. */
  public interface Port {
    /** Shows {@code items} as the menu from now on. */
    void show(List<TrayMenu.Item> items, String tooltip);

    /** A desktop notification. */
    void notify(String title, String text, boolean warning);
  }

  private final SettingsModel settings;
  private final GatewaysViewModel gateways;
  private final ProxiesViewModel proxies;
  private final ForwardersViewModel forwarders;
  private final Executor ui;
  private final Supplier<Instant> clock;

  private final BooleanProperty available = new SimpleBooleanProperty(false);
  private final BooleanProperty noticeVisible = new SimpleBooleanProperty(false);
  private final BooleanProperty keepInTray = new SimpleBooleanProperty(true);
  private final Map<ForwarderViewModel, Instant> lastRefusal = new IdentityHashMap<>();
  private final Map<ForwarderViewModel, String> stopping = new IdentityHashMap<>();
  private Port port;
  private Runnable openWindow = () -> {};
  private Runnable quit = () -> {};
  private TrayMenu.State shown;
  private boolean quitting;
  private boolean toldAboutTray;

  public TrayViewModel(
      SettingsModel settings,
      GatewaysViewModel gateways,
      ProxiesViewModel proxies,
      ForwardersViewModel forwarders,
      Executor ui,
      Supplier<Instant> clock) {
    this.settings = settings;
    this.gateways = gateways;
    this.proxies = proxies;
    this.forwarders = forwarders;
    this.ui = ui;
    this.clock = clock;
    keepInTray.set(settings.get().keepInTray());
    keepInTray.addListener(
        (o, was, keep) -> {
          if (keep != settings.get().keepInTray()) {
            settings.update(s -> s.withKeepInTray(keep));
          }
        });
    settings.onChange(
        s ->
            ui.execute(
                () -> {
                  keepInTray.set(s.keepInTray());
                  refresh();
                }));
    forwarders.forwarders().addListener(this::forwardersChanged);
    gateways
        .gateways()
        .addListener(
            (ListChangeListener<GatewayViewModel>)
                c -> {
                  while (c.next()) {
                    c.getAddedSubList()
                        .forEach(g -> g.nameProperty().addListener((o, was, now) -> refresh()));
                  }
                  refresh();
                });
  }

  /** The desktop has a tray: {@code port} shows the menu and the notifications. */
  public void attach(Port port, Runnable openWindow, Runnable quit) {
    this.port = port;
    this.openWindow = openWindow;
    this.quit = quit;
    available.set(true);
    noticeVisible.set(false);
    shown = null;
    refresh();
  }

  /** The desktop has no tray: say so once (until dismissed) and work without it. */
  public void unavailable() {
    this.port = null;
    available.set(false);
    noticeVisible.set(!settings.get().dismissed().contains(Settings.NOTICE_NO_TRAY));
  }

  /** The user closed the notice: it is not shown again. */
  public void dismissNotice() {
    noticeVisible.set(false);
    settings.update(s -> s.withDismissed(Settings.NOTICE_NO_TRAY));
  }

  /** Whether closing the window keeps the app running in the tray. */
  public boolean keepsRunningOnClose() {
    return available.get() && keepInTray.get();
  }

  /** The window was closed and the app stays in the tray: tell the user once per run. */
  public void windowClosedToTray() {
    if (port == null || toldAboutTray) {
      return;
    }
    toldAboutTray = true;
    int n = forwarders.forwarders().size();
    port.notify(
        "Ferry keeps running in the tray",
        (n == 0
                ? "Quick-connect from the tray icon's menu."
                : n + " forwarder" + (n == 1 ? " stays" : "s stay") + " connected.")
            + " Quit from the same menu.",
        false);
  }

  /** The app is quitting: forwarders stop without a notification each. */
  public void quitting() {
    quitting = true;
  }

  /** Runs a menu command (on the UI thread). */
  public void run(TrayMenu.Command command) {
    if (command instanceof TrayMenu.OpenWindow) {
      openWindow.run();
    } else if (command instanceof TrayMenu.Quit) {
      quitting = true;
      quit.run();
    } else if (command instanceof TrayMenu.SetKeepInTray k) {
      keepInTray.set(k.keep());
    } else if (command instanceof TrayMenu.Connect c) {
      connect(c.key());
    } else if (command instanceof TrayMenu.Disconnect d) {
      ForwarderViewModel f = running(d.key());
      if (f != null) {
        stopping.put(f, f.address() + " is closed; its connections ended.");
        forwarders.disconnect(f);
      }
    }
  }

  private void connect(String key) {
    int hash = key.lastIndexOf('#');
    GatewayViewModel g = hash < 0 ? null : gateway(key.substring(0, hash));
    if (g == null) {
      return; // the gateway was removed since the menu was built
    }
    forwarders.connect(proxies.item(g, key.substring(hash + 1)));
  }

  private GatewayViewModel gateway(String url) {
    return gateways.gateways().stream().filter(g -> g.url().equals(url)).findFirst().orElse(null);
  }

  private ForwarderViewModel running(String key) {
    return forwarders.forwarders().stream()
        .filter(f -> Settings.key(f.gateway().url(), f.proxy()).equals(key))
        .findFirst()
        .orElse(null);
  }

  private void forwardersChanged(ListChangeListener.Change<? extends ForwarderViewModel> c) {
    while (c.next()) {
      for (ForwarderViewModel f : c.getAddedSubList()) {
        f.resumingProperty().addListener((o, was, now) -> refresh());
        f.refusals()
            .addListener(
                (ListChangeListener<String>)
                    r -> {
                      while (r.next()) {
                        if (r.wasAdded() && !r.getAddedSubList().isEmpty()) {
                          refused(f, r.getAddedSubList().get(0));
                        }
                      }
                    });
      }
      for (ForwarderViewModel f : c.getRemoved()) {
        lastRefusal.remove(f);
        stopped(f);
      }
    }
    refresh();
  }

  private void refused(ForwarderViewModel f, String reason) {
    Instant now = clock.get();
    Instant last = lastRefusal.get(f);
    if (port == null || (last != null && now.isBefore(last.plus(REFUSAL_QUIET)))) {
      return;
    }
    lastRefusal.put(f, now);
    port.notify(f.proxy() + ": connection refused", reason, true);
  }

  private void stopped(ForwarderViewModel f) {
    String fromTray = stopping.remove(f);
    if (port == null || quitting) {
      return;
    }
    if (fromTray != null) {
      port.notify(f.proxy() + " disconnected", fromTray, false);
      return;
    }
    // A removed gateway stops its forwarders first and leaves the list right after.
    GatewayViewModel g = f.gateway();
    ui.execute(
        () -> {
          if (port != null && !quitting && !gateways.gateways().contains(g)) {
            port.notify(
                f.proxy() + " disconnected",
                "The gateway "
                    + g.nameProperty().get()
                    + " was removed; "
                    + f.address()
                    + " is closed.",
                true);
          }
        });
  }

  /** Recomputes the snapshot and hands it to the tray when it changed. */
  public void refresh() {
    if (port == null) {
      return;
    }
    TrayMenu.State s = state();
    if (!s.equals(shown)) {
      shown = s;
      port.show(TrayMenu.items(s), TrayMenu.tooltip(s));
    }
  }

  /** The app's state as the tray menu shows it. */
  public TrayMenu.State state() {
    Settings s = settings.get();
    List<TrayMenu.Entry> favorites = new ArrayList<>();
    for (String key : s.favorites()) {
      TrayMenu.Entry e = entry(key);
      if (e != null) {
        favorites.add(e);
      }
    }
    favorites.sort(Comparator.comparing(TrayMenu.Entry::proxy).thenComparing(TrayMenu.Entry::key));
    List<TrayMenu.Entry> recents = new ArrayList<>();
    for (String key : s.recents()) {
      TrayMenu.Entry e = entry(key);
      if (e != null) {
        recents.add(e);
      }
    }
    List<TrayMenu.Running> running =
        forwarders.forwarders().stream()
            .filter(f -> f.port() > 0)
            .map(
                f ->
                    new TrayMenu.Running(
                        Settings.key(f.gateway().url(), f.proxy()),
                        f.proxy(),
                        f.gateway().nameProperty().get(),
                        f.port(),
                        f.resumingProperty().get() > 0))
            .toList();
    return new TrayMenu.State(favorites, recents, running, keepInTray.get());
  }

  private TrayMenu.Entry entry(String key) {
    int hash = key.lastIndexOf('#');
    GatewayViewModel g = hash < 0 ? null : gateway(key.substring(0, hash));
    return g == null
        ? null
        : new TrayMenu.Entry(key, key.substring(hash + 1), g.nameProperty().get());
  }

  /** True once a tray shows the app's icon. */
  public BooleanProperty availableProperty() {
    return available;
  }

  /** True while the "no tray" notice is to be shown. */
  public BooleanProperty noticeVisibleProperty() {
    return noticeVisible;
  }

  /** The notice's text. */
  public String notice() {
    return NO_TRAY;
  }

  /** The setting "closing the window keeps forwarders running in the tray" (persisted). */
  public BooleanProperty keepInTrayProperty() {
    return keepInTray;
  }
}
