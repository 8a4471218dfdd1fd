package dev.ferry.desktop.forwarders;

import dev.ferry.client.forward.Forwarder;
import dev.ferry.client.history.SessionRecord;
import dev.ferry.desktop.gateways.GatewayViewModel;
import dev.ferry.desktop.openwith.OpenWithModel;
import dev.ferry.desktop.proxies.ProxyItem;
import dev.ferry.desktop.settings.Settings;
import dev.ferry.desktop.settings.SettingsModel;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * Connect and disconnect: one click starts a forwarder on 127.0.0.1 on the port pinned for the
 * proxy, else the one it used last time, else a free one. A pinned port that is taken gets a clear
 * message and a free port to use instead; a remembered one that is taken quietly falls back to a
 * free port and says so.
 */
public final class ForwardersViewModel {
  private final SettingsModel settings;
  private final Executor io;
  private final Executor ui;

  private final ObservableList<ForwarderViewModel> forwarders = FXCollections.observableArrayList();
  private final StringProperty problem = new SimpleStringProperty("");
  private final StringProperty info = new SimpleStringProperty("");
  private final IntegerProperty suggestedPort = new SimpleIntegerProperty(0);
  private final ObjectProperty<ProxyItem> suggestionFor = new SimpleObjectProperty<>();
  private Runnable onRecentsChanged = () -> {};
  private Consumer<SessionRecord> sessions = s -> {};
  private OpenWithModel openWith;

  public ForwardersViewModel(SettingsModel settings, Executor io, Executor ui) {
    this.settings = settings;
    this.io = io;
    this.ui = ui;
  }

  public void onRecentsChanged(Runnable r) {
    this.onRecentsChanged = r;
  }

  /** Where every session of every forwarder started from now on is recorded. */
  public void recordSessionsTo(Consumer<SessionRecord> sink) {
    this.sessions = sink;
  }

  /** How "Open with…" runs for the forwarders started from now on. */
  public void openWith(OpenWithModel model) {
    this.openWith = model;
  }

  /** The running forwarder of {@code item}, or null. */
  public ForwarderViewModel find(ProxyItem item) {
    return forwarders.stream()
        .filter(f -> f.gateway() == item.gateway() && f.proxy().equals(item.name()))
        .findFirst()
        .orElse(null);
  }

  /** Starts a forwarder for {@code item} (nothing when one already runs). */
  public void connect(ProxyItem item) {
    String key = Settings.key(item.gateway().url(), item.name());
    Integer pinned = settings.get().pinnedPorts().get(key);
    Integer remembered = settings.get().ports().get(key);
    if (pinned != null) {
      start(item, pinned, true);
    } else {
      start(item, remembered == null ? 0 : remembered, false);
    }
  }

  /** Connects the proxy of the last port clash on the suggested free port. */
  public void connectOnSuggestion() {
    ProxyItem item = suggestionFor.get();
    int port = suggestedPort.get();
    if (item != null && port > 0) {
      start(item, port, true);
    }
  }

  /** Pins {@code port} for {@code item} (null unpins). */
  public void pinPort(ProxyItem item, Integer port) {
    settings.update(s -> s.withPinnedPort(Settings.key(item.gateway().url(), item.name()), port));
  }

  private void start(ProxyItem item, int port, boolean strict) {
    if (find(item) != null) {
      return;
    }
    problem.set("");
    info.set("");
    suggestedPort.set(0);
    suggestionFor.set(null);
    GatewayViewModel g = item.gateway();
    // The preference as it is now: a changed limit applies to forwarders started afterwards.
    int limit = settings.get().maxConnections();
    ForwarderViewModel vm = new ForwarderViewModel(g, item.name(), item.kind(), ui);
    vm.connect(sessions, openWith);
    io.execute(
        () -> {
          Forwarder f = null;
          String note = null;
          Exception failure = null;
          try {
            f = g.service().forward(item.name(), port, limit, vm);
          } catch (Exception e) {
            if (port != 0 && Ports.inUse(e) && !strict) {
              try {
                f = g.service().forward(item.name(), 0, limit, vm);
                note = "Port " + port + " was taken; " + item.name() + " now listens on ";
              } catch (Exception again) {
                failure = again;
              }
            } else {
              failure = e;
            }
          }
          Forwarder started = f;
          String prefix = note;
          Exception failed = failure;
          int suggestion = failed != null && Ports.inUse(failed) ? Ports.free() : 0;
          ui.execute(() -> started(item, port, vm, started, prefix, failed, suggestion));
        });
  }

  private void started(
      ProxyItem item,
      int port,
      ForwarderViewModel vm,
      Forwarder f,
      String note,
      Exception failure,
      int suggestion) {
    if (f == null) {
      if (suggestion > 0) {
        problem.set(
            "Port "
                + port
                + " on 127.0.0.1 is in use by another program. Port "
                + suggestion
                + " is free: connect "
                + item.name()
                + " there?");
        suggestedPort.set(suggestion);
        suggestionFor.set(item);
      } else {
        problem.set("Could not connect " + item.name() + ": " + failure.getMessage());
      }
      return;
    }
    vm.attach(f);
    forwarders.add(vm);
    if (note != null) {
      info.set(note + f.port() + ".");
    }
    String key = Settings.key(item.gateway().url(), item.name());
    settings.update(s -> s.withPort(key, f.port()).withRecent(key));
    onRecentsChanged.run();
    vm.sample(Instant.now());
  }

  /** Stops {@code vm}: closes its port and every connection through it. */
  public void disconnect(ForwarderViewModel vm) {
    forwarders.remove(vm);
    Forwarder f = vm.forwarder();
    if (f != null) {
      io.execute(f::close);
    }
  }

  /** Stops every forwarder of {@code g} (the gateway was removed). */
  public void disconnectAll(GatewayViewModel g) {
    List.copyOf(forwarders).stream().filter(f -> f.gateway() == g).forEach(this::disconnect);
  }

  /** Stops all forwarders and waits for them (on quit). */
  public void closeAll() {
    for (ForwarderViewModel vm : List.copyOf(forwarders)) {
      forwarders.remove(vm);
      if (vm.forwarder() != null) {
        vm.forwarder().close();
      }
    }
  }

  /** Samples every forwarder's stats; call once a second. */
  public void tick(Instant now) {
    forwarders.forEach(f -> f.sample(now));
  }

  public ObservableList<ForwarderViewModel> forwarders() {
    return forwarders;
  }

  /** Why the last connect failed; empty otherwise. */
  public StringProperty problemProperty() {
    return problem;
  }

  /** Something the user should know about the last connect (a fallback port). */
  public StringProperty infoProperty() {
    return info;
  }

  /** A free port offered after a clash; 0 when none. */
  public IntegerProperty suggestedPortProperty() {
    return suggestedPort;
  }
}
