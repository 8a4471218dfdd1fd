package dev.ferry.desktop.tray;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the tray menu shows for a snapshot of the app's state, as plain data: no AWT, no JavaFX.
 * {@link TrayController} turns the items into an AWT menu; a test reads them as they are.
 *
 * <pre>
 * Open Ferry
 * ─────────
 * Connected                          (only with running forwarders)
 *   Disconnect orders-db  127.0.0.1:5432  (reconnecting…)   (while a tunnel resumes)
 * ─────────
 * Favorites / Recent                 (quick-connect; what already runs is under Connected)
 *   Connect orders-db
 * ─────────
 * [x] Keep running when the window closes
 * Quit Ferry (stops 1 forwarder)
 * </pre>
 */
public final class TrayMenu {
  /** At most this many recents in the menu (favorites are all shown). */
  public static final int MAX_RECENTS = 5;

  static final String OPEN = "Open Ferry";
  static final String CONNECTED = "Connected";
  static final String FAVORITES = "Favorites";
  static final String RECENT = "Recent";
  static final String NOTHING_YET = "No favorites or recent proxies yet";
  static final String KEEP = "Keep running when the window closes";
  static final String RECONNECTING = "(reconnecting…)";

  private TrayMenu() {}

  /**
   * A proxy to quick-connect to.
   *
   * @param key the proxy's settings key (gateway URL # proxy)
   * @param gateway the gateway's display name
   */
  public record Entry(String key, String proxy, String gateway) {}

  /**
   * A running forwarder.
   *
   * @param reconnecting whether one of its tunnels is being resumed right now
   */
  public record Running(String key, String proxy, String gateway, int port, boolean reconnecting) {
    public Running(String key, String proxy, String gateway, int port) {
      this(key, proxy, gateway, port, false);
    }
  }

  /**
   * The state the menu is built from, taken on the UI thread.
   *
   * @param favorites in display order
   * @param recents most recent first
   */
  public record State(
      List<Entry> favorites, List<Entry> recents, List<Running> running, boolean keepInTray) {
    public State {
      favorites = List.copyOf(favorites);
      recents = List.copyOf(recents);
      running = List.copyOf(running);
    }
  }

  /** What a menu item does when chosen. */
  public sealed interface Command {}

  public record OpenWindow() implements Command {}

  public record Connect(String key) implements Command {}

  public record Disconnect(String key) implements Command {}

  public record SetKeepInTray(boolean keep) implements Command {}

  public record Quit() implements Command {}

  /** One line of the menu. */
  public sealed interface Item {}

  /** A greyed-out label that heads a group (or says the group is empty). */
  public record Header(String label) implements Item {}

  public record Action(String label, Command command) implements Item {}

  public record Toggle(String label, boolean checked, Command command) implements Item {}

  public record Separator() implements Item {}

  /** The menu for {@code s}. */
  public static List<Item> items(State s) {
    Set<String> running = new HashSet<>();
    s.running().forEach(r -> running.add(r.key()));
    boolean manyGateways = gateways(s) > 1;

    List<Item> items = new ArrayList<>();
    items.add(new Action(OPEN, new OpenWindow()));
    items.add(new Separator());
    if (!s.running().isEmpty()) {
      items.add(new Header(CONNECTED));
      for (Running r : s.running()) {
        items.add(
            new Action(
                "Disconnect "
                    + r.proxy()
                    + suffix(r.gateway(), manyGateways)
                    + "  127.0.0.1:"
                    + r.port()
                    + (r.reconnecting() ? "  " + RECONNECTING : ""),
                new Disconnect(r.key())));
      }
      items.add(new Separator());
    }
    List<Entry> favorites = s.favorites().stream().filter(e -> !running.contains(e.key())).toList();
    Set<String> favoriteKeys = new HashSet<>();
    s.favorites().forEach(e -> favoriteKeys.add(e.key()));
    List<Entry> recents =
        s.recents().stream()
            .filter(e -> !favoriteKeys.contains(e.key()) && !running.contains(e.key()))
            .limit(MAX_RECENTS)
            .toList();
    addGroup(items, FAVORITES, favorites, manyGateways);
    addGroup(items, RECENT, recents, manyGateways);
    if (favorites.isEmpty() && recents.isEmpty() && s.running().isEmpty()) {
      items.add(new Header(NOTHING_YET));
    }
    if (!favorites.isEmpty() || !recents.isEmpty() || s.running().isEmpty()) {
      items.add(new Separator());
    }
    items.add(new Toggle(KEEP, s.keepInTray(), new SetKeepInTray(!s.keepInTray())));
    items.add(new Action(quitLabel(s.running().size()), new Quit()));
    return items;
  }

  private static void addGroup(
      List<Item> items, String title, List<Entry> entries, boolean manyGateways) {
    if (entries.isEmpty()) {
      return;
    }
    items.add(new Header(title));
    for (Entry e : entries) {
      items.add(
          new Action(
              "Connect " + e.proxy() + suffix(e.gateway(), manyGateways), new Connect(e.key())));
    }
  }

  static String quitLabel(int running) {
    return running == 0
        ? "Quit Ferry"
        : "Quit Ferry (stops " + running + " forwarder" + (running == 1 ? "" : "s") + ")";
  }

  /** The tooltip over the icon. */
  public static String tooltip(State s) {
    int n = s.running().size();
    long reconnecting = s.running().stream().filter(Running::reconnecting).count();
    return n == 0
        ? "Ferry"
        : "Ferry: "
            + n
            + " forwarder"
            + (n == 1 ? "" : "s")
            + " running"
            + (reconnecting == 0 ? "" : ", " + reconnecting + " reconnecting");
  }

  private static String suffix(String gateway, boolean manyGateways) {
    return manyGateways ? " (" + gateway + ")" : "";
  }

  private static int gateways(State s) {
    Set<String> names = new HashSet<>();
    s.favorites().forEach(e -> names.add(e.gateway()));
    s.recents().forEach(e -> names.add(e.gateway()));
    s.running().forEach(r -> names.add(r.gateway()));
    return names.size();
  }
}
