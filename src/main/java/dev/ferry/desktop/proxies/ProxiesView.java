package dev.ferry.desktop.proxies;

import atlantafx.base.theme.Styles;
import dev.ferry.desktop.common.KindIcons;
import dev.ferry.desktop.forwarders.ForwardersViewModel;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import org.kordamp.ikonli.feather.Feather;
import org.kordamp.ikonli.javafx.FontIcon;

/** Search, tag filter and the proxy list with its Connect buttons. Binds only. */
public final class ProxiesView extends VBox {

  public ProxiesView(ProxiesViewModel vm, ForwardersViewModel forwarders) {
    setSpacing(8);
    TextField search = new TextField();
    search.setId("search");
    search.setPromptText("Search proxies by name, description, kind or tag");
    search.textProperty().bindBidirectional(vm.searchProperty());
    HBox.setHgrow(search, Priority.ALWAYS);
    ComboBox<String> tags = new ComboBox<>(vm.tags());
    tags.setId("tagFilter");
    tags.valueProperty().bindBidirectional(vm.tagProperty());
    Button refresh = new Button(null, new FontIcon(Feather.REFRESH_CW));
    refresh.setId("refreshProxies");
    refresh.setTooltip(new Tooltip("Load the list again"));
    refresh.setOnAction(e -> vm.reload());
    HBox bar = new HBox(6, new FontIcon(Feather.SEARCH), search, tags, refresh);
    bar.setAlignment(Pos.CENTER_LEFT);

    ListView<ProxyItem> list = new ListView<>(vm.visible());
    list.setId("proxyList");
    list.setCellFactory(l -> new ProxyCell(vm, forwarders));
    list.visibleProperty().bind(vm.emptyMessageProperty().isEmpty());
    Label empty = new Label();
    empty.setId("emptyMessage");
    empty.setWrapText(true);
    empty.getStyleClass().addAll(Styles.TITLE_4, Styles.TEXT_MUTED);
    empty.textProperty().bind(vm.emptyMessageProperty());
    empty.visibleProperty().bind(vm.emptyMessageProperty().isNotEmpty());
    empty.setMaxWidth(420);
    StackPane stack = new StackPane(list, empty);
    VBox.setVgrow(stack, Priority.ALWAYS);
    // Buttons in the rows depend on which forwarders run.
    forwarders.forwarders().addListener((ListChangeListener<Object>) c -> list.refresh());

    Label problem = new Label();
    problem.setId("connectProblem");
    problem.setWrapText(true);
    problem.getStyleClass().add(Styles.DANGER);
    problem.textProperty().bind(forwarders.problemProperty());
    Button useFree = new Button();
    useFree.setId("useSuggestedPort");
    useFree.textProperty().bind(forwarders.suggestedPortProperty().asString("Use port %d"));
    useFree.setOnAction(e -> forwarders.connectOnSuggestion());
    useFree.managedProperty().bind(forwarders.suggestedPortProperty().greaterThan(0));
    useFree.visibleProperty().bind(useFree.managedProperty());
    HBox problemBar = new HBox(8, new FontIcon(Feather.ALERT_TRIANGLE), problem, useFree);
    problemBar.setAlignment(Pos.CENTER_LEFT);
    problemBar.managedProperty().bind(forwarders.problemProperty().isNotEmpty());
    problemBar.visibleProperty().bind(problemBar.managedProperty());
    Label info = new Label();
    info.setId("connectInfo");
    info.getStyleClass().add(Styles.TEXT_MUTED);
    info.textProperty().bind(forwarders.infoProperty());
    info.managedProperty().bind(forwarders.infoProperty().isNotEmpty());
    info.visibleProperty().bind(info.managedProperty());

    getChildren().addAll(bar, problemBar, info, stack);
  }

  private static final class ProxyCell extends ListCell<ProxyItem> {
    private final ProxiesViewModel vm;
    private final ForwardersViewModel forwarders;

    ProxyCell(ProxiesViewModel vm, ForwardersViewModel forwarders) {
      this.vm = vm;
      this.forwarders = forwarders;
    }

    @Override
    protected void updateItem(ProxyItem p, boolean empty) {
      super.updateItem(p, empty);
      setText(null);
      if (empty || p == null) {
        setGraphic(null);
        return;
      }
      var icon = KindIcons.icon(p.kind(), 22);
      Label name = new Label(p.name());
      name.getStyleClass().add(Styles.TEXT_BOLD);
      name.setMinWidth(Region.USE_PREF_SIZE);
      HBox title = new HBox(6, name);
      title.setAlignment(Pos.CENTER_LEFT);
      Label kind = new Label(p.kind());
      kind.getStyleClass().addAll(Styles.TEXT_SMALL, Styles.TEXT_MUTED);
      title.getChildren().add(kind);
      for (String t : p.tags()) {
        Label tag = new Label(t);
        tag.getStyleClass().addAll("ferry-tag", Styles.TEXT_SMALL);
        title.getChildren().add(tag);
      }
      if (p.recent()) {
        Label recent = new Label("recent");
        recent.getStyleClass().addAll(Styles.TEXT_SMALL, Styles.ACCENT);
        title.getChildren().add(recent);
      }
      Label description = new Label(p.description());
      description.getStyleClass().add(Styles.TEXT_MUTED);
      VBox text = new VBox(2, title, description);
      // The row fits the list's width: long names, tags and descriptions end in "…" instead of
      // pushing the Connect button out of sight.
      title.setMinWidth(0);
      text.setMinWidth(0);
      Region spacer = new Region();
      HBox.setHgrow(spacer, Priority.ALWAYS);
      Button star = new Button(null, new FontIcon(Feather.STAR));
      star.setId("favorite-" + p.name());
      star.getStyleClass().addAll(Styles.BUTTON_ICON, Styles.FLAT);
      if (p.favorite()) {
        star.getStyleClass().add(Styles.WARNING);
        star.getGraphic().getStyleClass().add("ferry-favorite");
      }
      star.setTooltip(new Tooltip(p.favorite() ? "Unpin" : "Pin on top"));
      star.setOnAction(e -> vm.toggleFavorite(p));
      boolean running = forwarders.find(p) != null;
      Button connect = new Button(running ? "Connected" : "Connect", new FontIcon(Feather.ZAP));
      connect.setId("connect-" + p.name());
      connect.getStyleClass().add(running ? Styles.SUCCESS : Styles.ACCENT);
      connect.setDisable(running);
      connect.setOnAction(e -> forwarders.connect(p));
      star.setMinWidth(Region.USE_PREF_SIZE);
      connect.setMinWidth(Region.USE_PREF_SIZE);
      HBox row = new HBox(10, icon, text, spacer, star, connect);
      row.setAlignment(Pos.CENTER_LEFT);
      row.setPadding(new Insets(4, 2, 4, 2));
      row.setMinWidth(0);
      setPrefWidth(0); // the cell takes the list's width, never more: no horizontal scrolling
      setGraphic(row);
    }
  }
}
