package dev.ferry.desktop.app;

import atlantafx.base.theme.Styles;
import dev.ferry.desktop.forwarders.ForwardersView;
import dev.ferry.desktop.gateways.GatewaysView;
import dev.ferry.desktop.history.HistoryView;
import dev.ferry.desktop.preferences.PreferencesView;
import dev.ferry.desktop.proxies.ProxiesView;
import dev.ferry.desktop.settings.ThemeChoice;
import dev.ferry.desktop.signin.SignInView;
import dev.ferry.desktop.tray.TrayViews;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import org.kordamp.ikonli.feather.Feather;
import org.kordamp.ikonli.javafx.FontIcon;

/**
 * The main window: gateways and account on the left, the proxy list in the middle, the running
 * forwarders on the right, the theme choice on top. Composes the feature views; no logic.
 */
public final class MainView extends BorderPane {

  public MainView(MainViewModel vm) {
    Label brand = new Label("Ferry", new FontIcon(Feather.ANCHOR));
    brand.getStyleClass().add("ferry-brand");
    Region spacer = new Region();
    HBox.setHgrow(spacer, Priority.ALWAYS);
    ChoiceBox<ThemeChoice> theme = new ChoiceBox<>();
    theme.setId("theme");
    theme.getItems().setAll(ThemeChoice.values());
    theme.valueProperty().bindBidirectional(vm.look().themeProperty());
    Label themeIcon = new Label(null, new FontIcon(Feather.SUN));
    HBox top = new HBox(10, brand, spacer, themeIcon, theme, TrayViews.settingsMenu(vm.tray()));
    top.setAlignment(Pos.CENTER_LEFT);
    top.setPadding(new Insets(8, 14, 8, 14));
    top.getStyleClass().add(Styles.BG_SUBTLE);
    setTop(new VBox(top, TrayViews.notice(vm.tray())));

    VBox sidebar =
        new VBox(
            12,
            new GatewaysView(vm.gateways(), vm::remove),
            new javafx.scene.control.Separator(),
            new SignInView(vm.signIn()));
    sidebar.setPadding(new Insets(12));
    ScrollPane side = new ScrollPane(sidebar);
    side.setFitToWidth(true);
    side.getStyleClass().add("ferry-sidebar");
    side.setMinWidth(260);

    ProxiesView proxies = new ProxiesView(vm.proxies(), vm.forwarders());
    proxies.setPadding(new Insets(12));
    ForwardersView forwarders = new ForwardersView(vm.forwarders());
    forwarders.setPadding(new Insets(12));
    forwarders.setMinWidth(380);

    SplitPane split = new SplitPane(side, proxies, forwarders);
    split.setDividerPositions(0.22, 0.64);
    setCenter(tabs(vm, split));
  }

  /** Connect (the split above), History and Settings as tabs. */
  private static TabPane tabs(MainViewModel vm, SplitPane connect) {
    HistoryView history = new HistoryView(vm.history());
    history.setPadding(new Insets(12));
    TabPane tabs =
        new TabPane(
            tab("Connect", Feather.ZAP, connect),
            tab("History", Feather.LIST, history),
            tab(
                "Settings",
                Feather.SETTINGS,
                new PreferencesView(vm.history(), vm.openWithSettings(), vm.look())));
    tabs.setId("mainTabs");
    tabs.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
    return tabs;
  }

  private static Tab tab(String name, Feather icon, javafx.scene.Node content) {
    Tab t = new Tab(name, content);
    t.setId("tab-" + name.toLowerCase(java.util.Locale.ROOT));
    t.setGraphic(new FontIcon(icon));
    return t;
  }
}
