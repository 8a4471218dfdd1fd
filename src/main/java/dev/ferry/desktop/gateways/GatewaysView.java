package dev.ferry.desktop.gateways;

import atlantafx.base.theme.Styles;
import dev.ferry.client.discovery.GatewayBrowser.DiscoveredGateway;
import java.util.function.Consumer;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.MenuItem;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.kordamp.ikonli.feather.Feather;
import org.kordamp.ikonli.javafx.FontIcon;

/** The gateway list, the "paste a URL" field and the gateways found on the LAN. Binds only. */
public final class GatewaysView extends VBox {

  public GatewaysView(GatewaysViewModel vm, Consumer<GatewayViewModel> remove) {
    setSpacing(8);
    Label title = new Label("Gateways");
    title.getStyleClass().add(Styles.TITLE_4);

    ListView<GatewayViewModel> list = new ListView<>(vm.gateways());
    list.setId("gatewayList");
    list.setPrefHeight(150);
    list.setCellFactory(l -> new GatewayCell(vm, remove));
    list.getSelectionModel()
        .selectedItemProperty()
        .addListener(
            (o, was, now) -> {
              if (now != null) {
                vm.selectedProperty().set(now);
              }
            });
    vm.selectedProperty()
        .addListener(
            (o, was, now) -> {
              if (now != null && list.getSelectionModel().getSelectedItem() != now) {
                list.getSelectionModel().select(now);
              }
            });
    if (vm.selectedProperty().get() != null) {
      list.getSelectionModel().select(vm.selectedProperty().get());
    }

    TextField url = new TextField();
    url.setId("gatewayUrl");
    url.setPromptText("https://ferry.example.com");
    url.textProperty().bindBidirectional(vm.urlInputProperty());
    url.setOnAction(e -> vm.add());
    HBox.setHgrow(url, Priority.ALWAYS);
    Button add = new Button(null, new FontIcon(Feather.PLUS));
    add.setId("addGateway");
    add.setTooltip(new Tooltip("Add the gateway (several URLs at once work too)"));
    add.disableProperty().bind(vm.addingProperty());
    add.setOnAction(e -> vm.add());
    HBox addRow = new HBox(6, url, add);

    Label problem = new Label();
    problem.setId("addProblem");
    problem.setWrapText(true);
    problem.getStyleClass().add(Styles.DANGER);
    problem.textProperty().bind(vm.addProblemProperty());
    problem.managedProperty().bind(problem.textProperty().isNotEmpty());
    problem.visibleProperty().bind(problem.managedProperty());

    Label lanTitle = new Label("On your network");
    lanTitle.getStyleClass().addAll(Styles.TEXT_SMALL, Styles.TEXT_MUTED);
    VBox lan = new VBox(4);
    lan.setId("lanGateways");
    Runnable fill =
        () -> {
          lan.getChildren().clear();
          for (DiscoveredGateway d : vm.suggestions()) {
            Button b = new Button(d.name() + "  ·  " + d.url(), new FontIcon(Feather.WIFI));
            b.getStyleClass().addAll(Styles.FLAT, Styles.SMALL);
            b.setTooltip(new Tooltip("Add " + d.url()));
            b.setOnAction(e -> vm.add(d));
            lan.getChildren().add(b);
          }
          lanTitle.setVisible(!vm.suggestions().isEmpty());
          lanTitle.setManaged(!vm.suggestions().isEmpty());
        };
    vm.suggestions().addListener((ListChangeListener<DiscoveredGateway>) c -> fill.run());
    fill.run();

    getChildren().addAll(title, list, addRow, problem, lanTitle, lan);
    setPadding(new Insets(0, 0, 8, 0));
  }

  private static final class GatewayCell extends ListCell<GatewayViewModel> {
    private final GatewaysViewModel vm;
    private final Consumer<GatewayViewModel> remove;

    GatewayCell(GatewaysViewModel vm, Consumer<GatewayViewModel> remove) {
      this.vm = vm;
      this.remove = remove;
    }

    @Override
    protected void updateItem(GatewayViewModel g, boolean empty) {
      super.updateItem(g, empty);
      textProperty().unbind();
      if (empty || g == null) {
        setText(null);
        setGraphic(null);
        setTooltip(null);
        setContextMenu(null);
        return;
      }
      textProperty().bind(g.nameProperty());
      FontIcon icon = new FontIcon(Feather.SERVER);
      Runnable status =
          () -> {
            icon.getStyleClass().removeAll(Styles.DANGER, Styles.SUCCESS);
            switch (g.statusProperty().get()) {
              case READY -> icon.getStyleClass().add(Styles.SUCCESS);
              case UNREACHABLE -> icon.getStyleClass().add(Styles.DANGER);
              default -> {}
            }
            setTooltip(
                new Tooltip(
                    g.url()
                        + (g.problemProperty().get().isEmpty()
                            ? ""
                            : "\n" + g.problemProperty().get())));
          };
      g.statusProperty().addListener((o, was, now) -> status.run());
      status.run();
      setGraphic(icon);
      MenuItem check = new MenuItem("Check again");
      check.setOnAction(e -> vm.check(g));
      MenuItem forget = new MenuItem("Remove");
      forget.setOnAction(e -> remove.accept(g));
      setContextMenu(new ContextMenu(check, forget));
    }
  }
}
