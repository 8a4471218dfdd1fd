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
    return new Settings(
        t,
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

  public Settings withGateway(String url) {
    List<String> g = new ArrayList<>(gateways);
    if (!g.contains(url)) {
      g.add(url);
    }
    return new Settings(
        theme,
        g,
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

  public Settings withoutGateway(String url) {
    List<String> g = new ArrayList<>(gateways);
    g.remove(url);
    return new Settings(
        theme,
        g,
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

  public Settings withFavorite(String key, boolean favorite) {
    Set<String> f = new LinkedHashSet<>(favorites);
    if (favorite) {
      f.add(key);
    } else {
      f.remove(key);
    }
    return new Settings(
        theme,
        gateways,
        f,
        recents,
        ports,
        pinnedPorts,
        historyDays,
        openWith,
        keepInTray,
        dismissed,
        maxConnections);
  }

  /** {@code key} moves to the front of the recents; the oldest falls off past the maximum. */
  public Settings withRecent(String key) {
    List<String> r = new ArrayList<>(recents);
    r.remove(key);
    r.add(0, key);
    while (r.size() > MAX_RECENTS) {
      r.remove(r.size() - 1);
    }
    return new Settings(
        theme,
        gateways,
        favorites,
        r,
        ports,
        pinnedPorts,
        historyDays,
        openWith,
        keepInTray,
        dismissed,
        maxConnections);
  }

  public Settings withPort(String key, int port) {
    Map<String, Integer> p = new LinkedHashMap<>(ports);
    p.put(key, port);
    return new Settings(
        theme,
        gateways,
        favorites,
        recents,
        p,
        pinnedPorts,
        historyDays,
        openWith,
        keepInTray,
        dismissed,
        maxConnections);
  }

  /** Pins {@code port} for {@code key}; null unpins. */
  public Settings withPinnedPort(String key, Integer port) {
    Map<String, Integer> p = new LinkedHashMap<>(pinnedPorts);
    if (port == null) {
      p.remove(key);
    } else {
      p.put(key, port);
    }
    return new Settings(
        theme,
        gateways,
        favorites,
        recents,
        ports,
        p,
        historyDays,
        openWith,
        keepInTray,
        dismissed,
        maxConnections);
  }

  /** Keeps sessions {@code days} days (0: forever); clamped to 0…{@value #MAX_HISTORY_DAYS}. */
  public Settings withHistoryDays(int days) {
    return new Settings(
        theme,
        gateways,
        favorites,
        recents,
        ports,
        pinnedPorts,
        days,
        openWith,
        keepInTray,
        dismissed,
        maxConnections);
  }

  /** Sets the "Open with…" command of {@code kind}; null goes back to the default. */
  public Settings withOpenWith(String kind, String command) {
    Map<String, String> o = new LinkedHashMap<>(openWith);
    if (command == null) {
      o.remove(kind);
    } else {
      o.put(kind, command);
    }
    return new Settings(
        theme,
        gateways,
        favorites,
        recents,
        ports,
        pinnedPorts,
        historyDays,
        o,
        keepInTray,
        dismissed,
        maxConnections);
  }

  public Settings withKeepInTray(boolean keep) {
    return new Settings(
        theme,
        gateways,
        favorites,
        recents,
        ports,
        pinnedPorts,
        historyDays,
        openWith,
        keep,
        dismissed,
        maxConnections);
  }

  /** Forwarders started from now on let in at most {@code n} connections at once (0: no limit). */
  public Settings withMaxConnections(int n) {
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
        n);
  }

  /** The notice {@code id} was dismissed: it is not shown again. */
  public Settings withDismissed(String id) {
    Set<String> d = new LinkedHashSet<>(dismissed);
    d.add(id);
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
        d,
        maxConnections);
  }
}
