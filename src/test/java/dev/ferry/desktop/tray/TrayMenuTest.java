package dev.ferry.desktop.tray;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.desktop.tray.TrayMenu.Action;
import dev.ferry.desktop.tray.TrayMenu.Entry;
import dev.ferry.desktop.tray.TrayMenu.Header;
import dev.ferry.desktop.tray.TrayMenu.Item;
import dev.ferry.desktop.tray.TrayMenu.Running;
import dev.ferry.desktop.tray.TrayMenu.Separator;
import dev.ferry.desktop.tray.TrayMenu.State;
import dev.ferry.desktop.tray.TrayMenu.Toggle;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The tray menu as plain data: no AWT, no JavaFX. */
class TrayMenuTest {
  private static final String GW = "http://127.0.0.1:8080";

  private static Entry entry(String proxy) {
    return new Entry(GW + "#" + proxy, proxy, "acme");
  }

  /** The menu as lines: "---" for separators, "[header]", "label", "[x] toggle". */
  private static List<String> lines(State s) {
    return TrayMenu.items(s).stream().map(TrayMenuTest::line).toList();
  }

  private static String line(Item i) {
    if (i instanceof Separator) {
      return "---";
    }
    if (i instanceof Header h) {
      return "[" + h.label() + "]";
    }
    if (i instanceof Toggle t) {
      return (t.checked() ? "[x] " : "[ ] ") + t.label();
    }
    return ((Action) i).label();
  }

  @Test
  @DisplayName("nothing yet: open, a line saying so, the setting, quit")
  void empty() {
    assertThat(lines(new State(List.of(), List.of(), List.of(), true)))
        .containsExactly(
            "Open Ferry",
            "---",
            "[No favorites or recent proxies yet]",
            "---",
            "[x] Keep running when the window closes",
            "Quit Ferry");
  }

  @Test
  @DisplayName("favorites, then recents not already favorites; running ones only under Connected")
  void groups() {
    State s =
        new State(
            List.of(entry("orders-db"), entry("redis")),
            List.of(entry("bastion"), entry("orders-db"), entry("redis"), entry("grafana")),
            List.of(new Running(GW + "#redis", "redis", "acme", 6379)),
            false);
    assertThat(lines(s))
        .containsExactly(
            "Open Ferry",
            "---",
            "[Connected]",
            "Disconnect redis  127.0.0.1:6379",
            "---",
            "[Favorites]",
            "Connect orders-db",
            "[Recent]",
            "Connect bastion",
            "Connect grafana",
            "---",
            "[ ] Keep running when the window closes",
            "Quit Ferry (stops 1 forwarder)");
  }

  @Test
  @DisplayName("each item carries the command it runs")
  void commands() {
    State s =
        new State(
            List.of(entry("db")),
            List.of(),
            List.of(new Running(GW + "#ssh", "ssh", "acme", 2222)),
            true);
    List<TrayMenu.Command> commands =
        TrayMenu.items(s).stream()
            .map(
                i ->
                    i instanceof Action a
                        ? a.command()
                        : i instanceof Toggle t ? t.command() : null)
            .filter(c -> c != null)
            .toList();
    assertThat(commands)
        .containsExactly(
            new TrayMenu.OpenWindow(),
            new TrayMenu.Disconnect(GW + "#ssh"),
            new TrayMenu.Connect(GW + "#db"),
            new TrayMenu.SetKeepInTray(false),
            new TrayMenu.Quit());
  }

  @Test
  @DisplayName("only running forwarders: no empty quick-connect line, one separator")
  void onlyRunning() {
    State s =
        new State(
            List.of(),
            List.of(entry("ssh")),
            List.of(
                new Running(GW + "#ssh", "ssh", "acme", 2222),
                new Running(GW + "#db", "db", "acme", 5432)),
            true);
    assertThat(lines(s))
        .containsExactly(
            "Open Ferry",
            "---",
            "[Connected]",
            "Disconnect ssh  127.0.0.1:2222",
            "Disconnect db  127.0.0.1:5432",
            "---",
            "[x] Keep running when the window closes",
            "Quit Ferry (stops 2 forwarders)");
    assertThat(TrayMenu.tooltip(s)).isEqualTo("Ferry: 2 forwarders running");
  }

  @Test
  @DisplayName("gateway names appear only when entries come from several gateways")
  void severalGateways() {
    State s =
        new State(
            List.of(entry("db"), new Entry("https://b.example#db", "db", "beta")),
            List.of(),
            List.of(),
            true);
    assertThat(lines(s)).contains("Connect db (acme)", "Connect db (beta)");
  }

  @Test
  @DisplayName("at most MAX_RECENTS recents")
  void recentsCapped() {
    List<Entry> recents = IntStream.range(0, 8).mapToObj(i -> entry("p" + i)).toList();
    State s = new State(List.of(), recents, List.of(), true);
    assertThat(lines(s).stream().filter(l -> l.startsWith("Connect ")))
        .containsExactly("Connect p0", "Connect p1", "Connect p2", "Connect p3", "Connect p4");
  }

  @Test
  @DisplayName("a forwarder whose tunnel resumes says (reconnecting…), and the tooltip counts it")
  void reconnecting() {
    State s =
        new State(
            List.of(),
            List.of(),
            List.of(
                new Running(GW + "#ssh", "ssh", "acme", 2222, true),
                new Running(GW + "#db", "db", "acme", 5432, false)),
            true);
    assertThat(lines(s))
        .contains(
            "Disconnect ssh  127.0.0.1:2222  (reconnecting…)", "Disconnect db  127.0.0.1:5432");
    assertThat(TrayMenu.tooltip(s)).isEqualTo("Ferry: 2 forwarders running, 1 reconnecting");
  }
}
