package dev.ferry.desktop.proxies;

import dev.ferry.client.api.GatewayApiException;
import dev.ferry.client.api.ProxyList;
import dev.ferry.desktop.gateways.GatewayViewModel;
import dev.ferry.desktop.settings.Settings;
import dev.ferry.desktop.settings.SettingsModel;
import dev.ferry.tunnel.TunnelError;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The proxies the signed-in user may reach on the selected gateway: search as you type, filter by
 * tag, favorites pinned on top, then recents, then the rest by name; and, when the list is empty, a
 * message that says why.
 */
public final class ProxiesViewModel {
  public static final String ALL_TAGS = "All tags";
  static final String NO_GATEWAY = "Add a gateway to begin: paste its URL on the left.";
  static final String SIGN_IN = "Sign in to see your proxies.";
  static final String NOTHING_REACHABLE = "Nothing reachable with your account: ask your admin.";
  static final String LOADING = "Loading proxies…";

  private final SettingsModel settings;
  private final Executor io;
  private final Executor ui;

  private final ObjectProperty<GatewayViewModel> gateway = new SimpleObjectProperty<>();
  private final List<ProxyList.ProxyInfo> loaded = new ArrayList<>();
  private final ObservableList<ProxyItem> visible = FXCollections.observableArrayList();
  private final ObservableList<String> tags = FXCollections.observableArrayList(ALL_TAGS);
  private final StringProperty search = new SimpleStringProperty("");
  private final StringProperty tag = new SimpleStringProperty(ALL_TAGS);
  private final StringProperty emptyMessage = new SimpleStringProperty(NO_GATEWAY);
  private final BooleanProperty loading = new SimpleBooleanProperty(false);
  private String loadProblem;
  private long generation;

  public ProxiesViewModel(SettingsModel settings, Executor io, Executor ui) {
    this.settings = settings;
    this.io = io;
    this.ui = ui;
    gateway.addListener((o, was, now) -> reload());
    search.addListener((o, was, now) -> apply());
    tag.addListener((o, was, now) -> apply());
  }

  /** The gateway whose proxies are shown (bound to the selected one). */
  public ObjectProperty<GatewayViewModel> gatewayProperty() {
    return gateway;
  }

  /** Fetches the list again (after a sign-in, on Refresh, when the gateway changes). */
  public void reload() {
    long gen = ++generation;
    loaded.clear();
    loadProblem = null;
    GatewayViewModel g = gateway.get();
    if (g == null || g.accountProperty().get() == null) {
      loading.set(false);
      apply();
      return;
    }
    loading.set(true);
    apply();
    io.execute(
        () -> {
          try {
            ProxyList list = g.service().proxies();
            ui.execute(() -> loaded(gen, list.proxies(), null));
          } catch (GatewayApiException e) {
            String why =
                e.error() == TunnelError.GATEWAY_UNREACHABLE
                    ? "Cannot reach " + g.nameProperty().get() + ": " + e.getMessage()
                    : "The gateway refused the list: " + e.getMessage();
            ui.execute(() -> loaded(gen, List.of(), why));
          } catch (Exception e) {
            ui.execute(
                () -> loaded(gen, List.of(), "Could not load the proxies: " + e.getMessage()));
          }
        });
  }

  private void loaded(long gen, List<ProxyList.ProxyInfo> proxies, String problem) {
    if (gen != generation) {
      return; // a newer load started meanwhile
    }
    loading.set(false);
    loaded.clear();
    loaded.addAll(proxies);
    loadProblem = problem;
    TreeSet<String> all = new TreeSet<>();
    proxies.forEach(p -> all.addAll(p.tags()));
    List<String> t = new ArrayList<>();
    t.add(ALL_TAGS);
    t.addAll(all);
    tags.setAll(t);
    if (!tags.contains(tag.get())) {
      tag.set(ALL_TAGS);
    }
    apply();
  }

  /** Re-sorts and re-filters (also after favorites or recents changed). */
  public void apply() {
    GatewayViewModel g = gateway.get();
    Settings s = settings.get();
    List<ProxyItem> items = new ArrayList<>();
    if (g != null) {
      for (ProxyList.ProxyInfo p : loaded) {
        String key = Settings.key(g.url(), p.name());
        ProxyItem item = new ProxyItem(g, p, s.favorites().contains(key), s.recents().indexOf(key));
        if (item.matches(search.get())
            && (ALL_TAGS.equals(tag.get()) || tag.get() == null || p.tags().contains(tag.get()))) {
          items.add(item);
        }
      }
    }
    items.sort(
        Comparator.comparing((ProxyItem i) -> !i.favorite())
            .thenComparing(i -> i.recent() ? i.recentRank() : Integer.MAX_VALUE)
            .thenComparing(ProxyItem::name));
    visible.setAll(items);
    emptyMessage.set(items.isEmpty() ? whyEmpty(g) : "");
  }

  private String whyEmpty(GatewayViewModel g) {
    if (g == null) {
      return NO_GATEWAY;
    }
    if (g.statusProperty().get() == GatewayViewModel.Status.UNREACHABLE) {
      return "Cannot reach " + g.nameProperty().get() + ": " + g.problemProperty().get();
    }
    if (g.accountProperty().get() == null) {
      return SIGN_IN;
    }
    if (loading.get()) {
      return LOADING;
    }
    if (loadProblem != null) {
      return loadProblem;
    }
    if (loaded.isEmpty()) {
      return NOTHING_REACHABLE;
    }
    return "No proxy matches “"
        + (search.get() == null ? "" : search.get().trim())
        + "”"
        + (ALL_TAGS.equals(tag.get()) ? "" : " with tag " + tag.get())
        + ".";
  }

  /**
   * A proxy of gateway {@code g} as a list row (for quick-connect from outside the list): with its
   * kind and tags when the list of {@code g} is loaded, else by name alone.
   */
  public ProxyItem item(GatewayViewModel g, String name) {
    ProxyList.ProxyInfo info =
        g != gateway.get()
            ? null
            : loaded.stream().filter(p -> p.name().equals(name)).findFirst().orElse(null);
    if (info == null) {
      info = new ProxyList.ProxyInfo(name, "", "tcp", List.of(), java.util.Map.of());
    }
    Settings s = settings.get();
    String key = Settings.key(g.url(), name);
    return new ProxyItem(g, info, s.favorites().contains(key), s.recents().indexOf(key));
  }

  /** Pins or unpins {@code item} on top (remembered). */
  public void toggleFavorite(ProxyItem item) {
    String key = Settings.key(item.gateway().url(), item.name());
    settings.update(s -> s.withFavorite(key, !s.favorites().contains(key)));
    apply();
  }

  public ObservableList<ProxyItem> visible() {
    return visible;
  }

  public ObservableList<String> tags() {
    return tags;
  }

  public StringProperty searchProperty() {
    return search;
  }

  public StringProperty tagProperty() {
    return tag;
  }

  /** Why the list is empty; empty when it is not. */
  public StringProperty emptyMessageProperty() {
    return emptyMessage;
  }

  public BooleanProperty loadingProperty() {
    return loading;
  }
}
