package dev.ferry.desktop.settings;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.ferry.client.history.HistoryStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What the desktop app remembers between runs. Immutable; every {@code withXxx} returns a copy. No
 * field holds a secret: tokens live in the OS keychain.
 *
 * @param theme light, dark or the system's
 * @param gateways gateway URLs the user added, in the order added
 * @param favorites proxy keys ({@link #key}) pinned on top
 * @param recents proxy keys most recently connected first, at most {@link #MAX_RECENTS}
 * @param ports the last local port each proxy key used
 * @param pinnedPorts ports the user pinned per proxy key
 * @param historyDays how many days the connection history keeps sessions; 0 keeps them forever
 * @param openWith the user's "Open with…" command per proxy kind where it differs from the default;
 *     "" means none
 * @param keepInTray whether closing the window keeps the app (and its forwarders) running in the
 *     tray, where the desktop has one; null reads as true
 * @param dismissed notices the user dismissed for good (e.g. {@link #NOTICE_NO_TRAY})
 * @param maxConnections how many local connections each forwarder started from now on lets in at
 *     once, 0 for no limit (the CLI's {@code --max-connections}); null (older files) reads as 0,
 *     out-of-range values are clamped to 0…{@value #MAX_CONNECTIONS}
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Settings(
    ThemeChoice theme,
    List<String> gateways,
    Set<String> favorites,
    List<String> recents,
    Map<String, Integer> ports,
    Map<String, Integer> pinnedPorts,
    Integer historyDays,
    Map<String, String> openWith,
    Boolean keepInTray,
    Set<String> dismissed,
    Integer maxConnections) {

  public static final int MAX_RECENTS = 8;
  public static final int MAX_HISTORY_DAYS = 3650;

  /** The highest per-forwarder connection limit the preference takes. */
  public static final int MAX_CONNECTIONS = 10_000;

  /** The notice "this desktop has no tray". */
  public static final String NOTICE_NO_TRAY = "no-tray";

  public static final Settings DEFAULTS =
      new Settings(
          ThemeChoice.SYSTEM,
          List.of(),
          Set.of(),
          List.of(),
          Map.of(),
          Map.of(),
          null,
          Map.of(),
          true,
          Set.of(),
          0);

  public Settings {
    theme = theme == null ? ThemeChoice.SYSTEM : theme;
    gateways = gateways == null ? List.of() : List.copyOf(new LinkedHashSet<>(gateways));
    favorites = favorites == null ? Set.of() : Set.copyOf(favorites);
    recents = recents == null ? List.of() : List.copyOf(recents);
    ports = ports == null ? Map.of() : Map.copyOf(ports);
    pinnedPorts = pinnedPorts == null ? Map.of() : Map.copyOf(pinnedPorts);
    historyDays =
        historyDays == null
            ? HistoryStore.DEFAULT_RETENTION_DAYS
            : Math.max(0, Math.min(MAX_HISTORY_DAYS, historyDays));
    openWith = openWith == null ? Map.of() : Map.copyOf(openWith);
    keepInTray = keepInTray == null || keepInTray;
    dismissed = dismissed == null ? Set.of() : Set.copyOf(dismissed);
    maxConnections =
        maxConnections == null ? 0 : Math.max(0, Math.min(MAX_CONNECTIONS, maxConnections));
  }

  /** The key a proxy is remembered under: the same name on two gateways are two proxies. */
  public static String key(String gatewayUrl, String proxy) {
    return gatewayUrl + "#" + proxy;
  }

  public Settings withTheme(ThemeChoice t) {
    return with(c -> c.theme = t);
  }

  public Settings withGateway(String url) {
    return with(
        c -> {
          if (!c.gateways.contains(url)) {
            c.gateways.add(url);
          }
        });
  }

  public Settings withoutGateway(String url) {
    return with(c -> c.gateways.remove(url));
  }

  public Settings withFavorite(String key, boolean favorite) {
    return with(
        c -> {
          if (favorite) {
            c.favorites.add(key);
          } else {
            c.favorites.remove(key);
          }
        });
  }

  /** {@code key} moves to the front of the recents; the oldest falls off past the maximum. */
  public Settings withRecent(String key) {
    return with(
        c -> {
          List<String> r = c.recents;
          r.remove(key);
          r.add(0, key);
          while (r.size() > MAX_RECENTS) {
            r.remove(r.size() - 1);
          }
        });
  }

  public Settings withPort(String key, int port) {
    return with(c -> c.ports.put(key, port));
  }

  /** Pins {@code port} for {@code key}; null unpins. */
  public Settings withPinnedPort(String key, Integer port) {
    return with(
        c -> {
          if (port == null) {
            c.pinnedPorts.remove(key);
          } else {
            c.pinnedPorts.put(key, port);
          }
        });
  }

  /** Keeps sessions {@code days} days (0: forever); clamped to 0…{@value #MAX_HISTORY_DAYS}. */
  public Settings withHistoryDays(int days) {
    return with(c -> c.historyDays = days);
  }

  /** Sets the "Open with…" command of {@code kind}; null goes back to the default. */
  public Settings withOpenWith(String kind, String command) {
    return with(
        c -> {
          if (command == null) {
            c.openWith.remove(kind);
          } else {
            c.openWith.put(kind, command);
          }
        });
  }

  public Settings withKeepInTray(boolean keep) {
    return with(c -> c.keepInTray = keep);
  }

  /** Forwarders started from now on let in at most {@code n} connections at once (0: no limit). */
  public Settings withMaxConnections(int n) {
    return with(c -> c.maxConnections = n);
  }

  /** The notice {@code id} was dismissed: it is not shown again. */
  public Settings withDismissed(String id) {
    return with(c -> c.dismissed.add(id));
  }

  /**
   * A copy with {@code change} applied: the one place that lists every component, so a new setting
   * is added to the copies here and nowhere else.
   */
  private Settings with(Consumer<Draft> change) {
    Draft d = new Draft(this);
    change.accept(d);
    return d.settings();
  }

  /** The settings as mutable parts; {@link #settings()} runs them through the checks again. */
  private static final class Draft {
    ThemeChoice theme;
    final List<String> gateways;
    final Set<String> favorites;
    final List<String> recents;
    final Map<String, Integer> ports;
    final Map<String, Integer> pinnedPorts;
    Integer historyDays;
    final Map<String, String> openWith;
    Boolean keepInTray;
    final Set<String> dismissed;
    Integer maxConnections;

    Draft(Settings s) {
      theme = s.theme;
      gateways = new ArrayList<>(s.gateways);
      favorites = new LinkedHashSet<>(s.favorites);
      recents = new ArrayList<>(s.recents);
      ports = new LinkedHashMap<>(s.ports);
      pinnedPorts = new LinkedHashMap<>(s.pinnedPorts);
      historyDays = s.historyDays;
      openWith = new LinkedHashMap<>(s.openWith);
      keepInTray = s.keepInTray;
      dismissed = new LinkedHashSet<>(s.dismissed);
      maxConnections = s.maxConnections;
    }

    Settings settings() {
      return new Settings(
          theme,
          gateways,
          favorites,
          recents,
          ports,
          pinnedPorts,
          historyDays,
          openWith,
          keepInTray,
          dismissed,
          maxConnections);
    }
  }
}
