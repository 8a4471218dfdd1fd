package dev.ferry.desktop.gateways;

import dev.ferry.client.api.GatewayApiException;
import dev.ferry.client.api.GatewayInfo;
import dev.ferry.client.discovery.GatewayBrowser.DiscoveredGateway;
import dev.ferry.client.tunnel.GatewayEndpoint;
import dev.ferry.desktop.settings.SettingsModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The gateways the user works with: added by URL (several at once, separated by spaces, commas or
 * new lines), remembered in the settings, checked with {@code /v1/info} off the FX thread, and
 * those found on the LAN offered as suggestions.
 */
public final class GatewaysViewModel {
  private final Function<String, GatewayService> services;
  private final SettingsModel settings;
  private final Executor io;
  private final Executor ui;

  private final ObservableList<GatewayViewModel> gateways = FXCollections.observableArrayList();
  private final ObjectProperty<GatewayViewModel> selected = new SimpleObjectProperty<>();
  private final ObservableList<DiscoveredGateway> suggestions = FXCollections.observableArrayList();
  private final List<DiscoveredGateway> discovered = new ArrayList<>();
  private final StringProperty urlInput = new SimpleStringProperty("");
  private final StringProperty addProblem = new SimpleStringProperty("");
  private final BooleanProperty adding = new SimpleBooleanProperty(false);
  private Consumer<GatewayViewModel> onChecked = g -> {};

  /**
   * @param services makes the service for a gateway URL
   * @param io runs network and disk work
   * @param ui applies results to properties (the FX thread in the app)
   */
  public GatewaysViewModel(
      Function<String, GatewayService> services, SettingsModel settings, Executor io, Executor ui) {
    this.services = services;
    this.settings = settings;
    this.io = io;
    this.ui = ui;
  }

  /** Called (on the UI executor) each time a gateway was checked, reachable or not. */
  public void onChecked(Consumer<GatewayViewModel> handler) {
    this.onChecked = handler;
  }

  /** Shows the remembered gateways at once and checks each off the FX thread. */
  public void restore(List<String> extraUrls) {
    List<String> urls = new ArrayList<>(settings.get().gateways());
    for (String u : extraUrls) {
      if (u != null && !u.isBlank() && !urls.contains(normalize(u).orElse(u))) {
        urls.add(u);
      }
    }
    for (String url : urls) {
      Optional<String> normal = normalize(url);
      if (normal.isEmpty() || find(normal.get()) != null) {
        continue;
      }
      GatewayViewModel g = new GatewayViewModel(services.apply(normal.get()));
      gateways.add(g);
      settings.update(s -> s.withGateway(g.url()));
      check(g);
    }
    if (selected.get() == null && !gateways.isEmpty()) {
      selected.set(gateways.get(0));
    }
  }

  /** Re-reads /v1/info of {@code g} (e.g. after it was unreachable). */
  public void check(GatewayViewModel g) {
    g.statusProperty().set(GatewayViewModel.Status.CHECKING);
    io.execute(
        () -> {
          try {
            GatewayInfo info = g.service().info();
            ui.execute(
                () -> {
                  g.answered(info);
                  onChecked.accept(g);
                });
          } catch (GatewayApiException | RuntimeException e) {
            ui.execute(
                () -> {
                  g.unreachable(e.getMessage());
                  onChecked.accept(g);
                });
          }
        });
  }

  /**
   * Adds every URL in {@link #urlInputProperty()}; problems go to {@link #addProblemProperty()}.
   */
  public void add() {
    String input = urlInput.get() == null ? "" : urlInput.get().trim();
    addProblem.set("");
    if (input.isEmpty()) {
      addProblem.set("Paste a gateway URL, e.g. https://ferry.example.com");
      return;
    }
    List<String> pending = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (String part : input.split("[\\s,;]+")) {
      try {
        String url = GatewayEndpoint.parse(part).toString();
        GatewayViewModel known = find(url);
        if (known != null) {
          selected.set(known);
        } else if (!pending.contains(url)) {
          pending.add(url);
        }
      } catch (IllegalArgumentException e) {
        problems.add(e.getMessage());
      }
    }
    addProblem.set(String.join("\n", problems));
    if (pending.isEmpty()) {
      if (problems.isEmpty()) {
        urlInput.set("");
      }
      return;
    }
    adding.set(true);
    List<String> remaining = new ArrayList<>(pending);
    for (String url : pending) {
      io.execute(() -> probeAndAdd(url, remaining, problems));
    }
  }

  /** Adds a gateway found on the LAN. */
  public void add(DiscoveredGateway g) {
    urlInput.set(g.url().toString());
    add();
  }

  private void probeAndAdd(String url, List<String> remaining, List<String> problems) {
    GatewayService service;
    GatewayInfo info = null;
    String problem = null;
    try {
      service = services.apply(url);
    } catch (RuntimeException e) {
      service = null;
      problem = url + ": " + e.getMessage();
    }
    if (service != null) {
      try {
        info = service.info();
      } catch (GatewayApiException | RuntimeException e) {
        problem = e.getMessage();
        service.close();
      }
    }
    GatewayService ok = problem == null ? service : null;
    GatewayInfo answered = info;
    String why = problem;
    ui.execute(
        () -> {
          remaining.remove(url);
          if (ok != null) {
            GatewayViewModel g = new GatewayViewModel(ok);
            g.answered(answered);
            gateways.add(g);
            settings.update(s -> s.withGateway(g.url()));
            selected.set(g);
            refreshSuggestions();
            onChecked.accept(g);
          } else {
            problems.add(why);
          }
          if (remaining.isEmpty()) {
            adding.set(false);
            addProblem.set(String.join("\n", problems));
            if (problems.isEmpty()) {
              urlInput.set("");
            }
          }
        });
  }

  /** Forgets {@code g}: removed from the list and the settings. */
  public void remove(GatewayViewModel g) {
    gateways.remove(g);
    settings.update(s -> s.withoutGateway(g.url()));
    if (selected.get() == g) {
      selected.set(gateways.isEmpty() ? null : gateways.get(0));
    }
    io.execute(g.service()::close);
    refreshSuggestions();
  }

  /** A gateway appeared on the LAN (call on the UI executor). */
  public void discovered(DiscoveredGateway g) {
    discovered.removeIf(d -> d.url().equals(g.url()));
    discovered.add(g);
    refreshSuggestions();
  }

  /** A gateway left the LAN (call on the UI executor). */
  public void lost(DiscoveredGateway g) {
    discovered.removeIf(d -> d.url().equals(g.url()));
    refreshSuggestions();
  }

  private void refreshSuggestions() {
    suggestions.setAll(
        discovered.stream()
            .filter(d -> normalize(d.url().toString()).map(u -> find(u) == null).orElse(false))
            .toList());
  }

  private GatewayViewModel find(String url) {
    return gateways.stream().filter(g -> g.url().equals(url)).findFirst().orElse(null);
  }

  private static Optional<String> normalize(String url) {
    try {
      return Optional.of(GatewayEndpoint.parse(url).toString());
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  public ObservableList<GatewayViewModel> gateways() {
    return gateways;
  }

  public ObjectProperty<GatewayViewModel> selectedProperty() {
    return selected;
  }

  /** Gateways found on the LAN that are not in the list yet. */
  public ObservableList<DiscoveredGateway> suggestions() {
    return suggestions;
  }

  public StringProperty urlInputProperty() {
    return urlInput;
  }

  /** What was wrong with the last add, one line per URL; empty when all went well. */
  public StringProperty addProblemProperty() {
    return addProblem;
  }

  public BooleanProperty addingProperty() {
    return adding;
  }
}
