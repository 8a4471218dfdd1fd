package dev.ferry.desktop.forwarders;

import atlantafx.base.theme.Styles;
import dev.ferry.desktop.common.KindIcons;
import dev.ferry.desktop.forwarders.ForwarderViewModel.ConnectionRow;
import dev.ferry.desktop.forwarders.ForwarderViewModel.RatePoint;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.collections.ListChangeListener;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.chart.AreaChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.Tooltip;
import javafx.scene.input.Clipboard;
import javafx.scene.input.ClipboardContent;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import org.kordamp.ikonli.feather.Feather;
import org.kordamp.ikonli.javafx.FontIcon;

/** One running forwarder: address, copy buttons, live stats, a 60 s rate chart, connections. */
public final class ForwarderCard extends VBox {

  public ForwarderCard(ForwarderViewModel vm, Runnable disconnect) {
    String id = vm.proxy();
    setId("forwarder-" + id);
    getStyleClass().add("ferry-card");
    setSpacing(8);
    setPadding(new Insets(12));

    Label title = new Label(vm.proxy(), KindIcons.icon(vm.kind(), 18));
    title.getStyleClass().add(Styles.TITLE_4);
    Label via = new Label("via " + vm.gateway().nameProperty().get());
    via.getStyleClass().add(Styles.TEXT_MUTED);
    Region spacer = new Region();
    HBox.setHgrow(spacer, Priority.ALWAYS);
    Button stop = new Button("Disconnect", new FontIcon(Feather.X));
    stop.setId("disconnect-" + id);
    stop.getStyleClass().add(Styles.DANGER);
    stop.setOnAction(e -> disconnect.run());
    Label resume = resumeBadge(vm, id);
    HBox header = new HBox(8, title, via, resume, spacer, stop);
    header.setAlignment(Pos.CENTER_LEFT);

    Label address = new Label(vm.address());
    address.setId("address-" + id);
    address.getStyleClass().addAll(Styles.TEXT_BOLD, "ferry-mono");
    HBox copies = new HBox(6, address, copy("Copy address", vm.address()));
    copies.setAlignment(Pos.CENTER_LEFT);
    if (!vm.connectionString().equals(vm.address())) {
      copies.getChildren().add(copy("Copy " + vm.connectionString(), vm.connectionString()));
    }
    if (vm.jdbcUrl() != null) {
      copies.getChildren().add(copy("Copy JDBC URL", vm.jdbcUrl()));
    }
    if (vm.canOpenWith()) {
      Button open = new Button("Open with…", new FontIcon(Feather.EXTERNAL_LINK));
      open.setId("openWith-" + id);
      open.getStyleClass().add(Styles.SMALL);
      open.setTooltip(new Tooltip(vm.openWithCommand()));
      open.setOnAction(e -> vm.openWith());
      copies.getChildren().add(open);
    }
    Label opened = new Label();
    opened.setId("openWithResult-" + id);
    opened.setWrapText(true);
    opened.textProperty().bind(vm.openWithProblemProperty().concat(vm.openWithStatusProperty()));
    opened.getStyleClass().add(Styles.TEXT_SMALL);
    vm.openWithProblemProperty()
        .addListener(
            (o, was, now) -> {
              opened.getStyleClass().remove(Styles.DANGER);
              if (!now.isEmpty()) {
                opened.getStyleClass().add(Styles.DANGER);
              }
            });
    opened.managedProperty().bind(opened.textProperty().isNotEmpty());
    opened.visibleProperty().bind(opened.managedProperty());

    GridPane stats = new GridPane();
    stats.setHgap(18);
    stats.setVgap(4);
    stat(stats, 0, "Active", "active-" + id, vm.activeProperty().asString());
    stat(stats, 1, "Sent ↑", "bytesUp-" + id, vm.bytesUpTextProperty());
    stat(stats, 2, "Received ↓", "bytesDown-" + id, vm.bytesDownTextProperty());
    stat(stats, 3, "Round trip", "rtt-" + id, vm.rttProperty());
    Label totals = new Label();
    totals.getStyleClass().addAll(Styles.TEXT_SMALL, Styles.TEXT_MUTED);
    totals.textProperty().bind(vm.totalsProperty());
    Label limited = new Label();
    limited.setId("limited-" + id);
    limited.setWrapText(true);
    limited.setGraphic(new FontIcon(Feather.SLASH));
    limited.getStyleClass().addAll(Styles.TEXT_SMALL, Styles.WARNING);
    limited.textProperty().bind(vm.limitedTextProperty());
    limited.managedProperty().bind(vm.limitedTextProperty().isNotEmpty());
    limited.visibleProperty().bind(limited.managedProperty());
    Label expiry = new Label();
    expiry.setId("expiry-" + id);
    expiry.setGraphic(new FontIcon(Feather.CLOCK));
    expiry.getStyleClass().addAll(Styles.TEXT_SMALL, Styles.TEXT_MUTED);
    expiry.textProperty().bind(vm.expiryProperty());

    NumberAxis x = new NumberAxis();
    x.setTickLabelsVisible(false);
    x.setTickMarkVisible(false);
    x.setMinorTickVisible(false);
    x.setForceZeroInRange(false);
    x.setAutoRanging(true);
    NumberAxis y = new NumberAxis();
    y.setLabel("bytes/s");
    y.setForceZeroInRange(true);
    AreaChart<Number, Number> chart = new AreaChart<>(x, y);
    chart.setId("rate-" + id);
    chart.setAnimated(false);
    chart.setCreateSymbols(false);
    chart.setLegendVisible(true);
    chart.setPrefHeight(150);
    chart.setMinHeight(120);
    XYChart.Series<Number, Number> up = new XYChart.Series<>();
    up.setName("sent");
    XYChart.Series<Number, Number> down = new XYChart.Series<>();
    down.setName("received");
    chart.getData().add(up);
    chart.getData().add(down);
    Runnable plot =
        () -> {
          up.getData().setAll(points(vm.rates(), RatePoint::upPerSecond));
          down.getData().setAll(points(vm.rates(), RatePoint::downPerSecond));
        };
    vm.rates().addListener((ListChangeListener<RatePoint>) c -> plot.run());
    plot.run();

    TableView<ConnectionRow> table = new TableView<>(vm.connections());
    table.setId("connections-" + id);
    table.setPlaceholder(new Label("No open connections"));
    table.setPrefHeight(110);
    table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
    table.getStyleClass().addAll(Styles.DENSE);
    table.getColumns().add(column("Client port", r -> String.valueOf(r.clientPort())));
    table.getColumns().add(column("Since", ConnectionRow::since));
    table.getColumns().add(column("Sent", ConnectionRow::bytesUp));
    table.getColumns().add(column("Received", ConnectionRow::bytesDown));
    table.getColumns().add(column("State", ConnectionRow::state));

    Label refusal = new Label();
    refusal.setId("refusal-" + id);
    refusal.setWrapText(true);
    refusal.setGraphic(new FontIcon(Feather.ALERT_TRIANGLE));
    refusal.getStyleClass().add(Styles.DANGER);
    refusal.textProperty().bind(vm.lastRefusalProperty());
    refusal.managedProperty().bind(vm.lastRefusalProperty().isNotEmpty());
    refusal.visibleProperty().bind(refusal.managedProperty());
    Label notice = new Label();
    notice.setWrapText(true);
    notice.getStyleClass().add(Styles.WARNING);
    notice.textProperty().bind(vm.noticeProperty());
    notice.managedProperty().bind(vm.noticeProperty().isNotEmpty());
    notice.visibleProperty().bind(notice.managedProperty());

    getChildren()
        .addAll(
            header, copies, opened, stats, totals, limited, expiry, chart, table, refusal, notice);
  }

  /**
   * "Reconnecting…" (warning) while a connection's tunnel resumes, then "resumed 3×" (success);
   * hidden before any tunnel dropped.
   */
  private static Label resumeBadge(ForwarderViewModel vm, String id) {
    Label badge = new Label();
    badge.setId("resume-" + id);
    badge.getStyleClass().add(Styles.TEXT_SMALL);
    badge.textProperty().bind(vm.resumeTextProperty());
    badge.managedProperty().bind(vm.resumeTextProperty().isNotEmpty());
    badge.visibleProperty().bind(badge.managedProperty());
    Runnable style =
        () -> {
          boolean now = vm.resumingProperty().get() > 0;
          badge.getStyleClass().removeAll(Styles.WARNING, Styles.SUCCESS);
          badge.getStyleClass().add(now ? Styles.WARNING : Styles.SUCCESS);
          badge.setGraphic(new FontIcon(now ? Feather.REFRESH_CW : Feather.CHECK_CIRCLE));
          badge.setTooltip(
              new Tooltip(
                  now
                      ? "The connection to the gateway dropped; Ferry is resuming the tunnel."
                          + " Your client stays connected."
                      : "Dropped gateway connections were resumed without losing a byte."));
        };
    vm.resumingProperty().addListener((o, was, now) -> style.run());
    style.run();
    return badge;
  }

  private static List<XYChart.Data<Number, Number>> points(
      List<RatePoint> rates, Function<RatePoint, Double> value) {
    List<XYChart.Data<Number, Number>> out = new ArrayList<>(rates.size());
    for (RatePoint p : rates) {
      out.add(new XYChart.Data<>(p.second(), value.apply(p)));
    }
    return out;
  }

  private static void stat(
      GridPane grid,
      int col,
      String name,
      String id,
      javafx.beans.value.ObservableValue<String> value) {
    Label n = new Label(name);
    n.getStyleClass().addAll(Styles.TEXT_SMALL, Styles.TEXT_MUTED);
    Label v = new Label();
    v.setId(id);
    v.getStyleClass().add(Styles.TITLE_4);
    v.textProperty().bind(value);
    grid.add(n, col, 0);
    grid.add(v, col, 1);
  }

  private static TableColumn<ConnectionRow, String> column(
      String title, Function<ConnectionRow, String> value) {
    TableColumn<ConnectionRow, String> c = new TableColumn<>(title);
    c.setCellValueFactory(d -> new ReadOnlyObjectWrapper<>(value.apply(d.getValue())));
    c.setSortable(false);
    return c;
  }

  private static Button copy(String what, String text) {
    Button b = new Button(null, new FontIcon(Feather.COPY));
    b.getStyleClass().addAll(Styles.BUTTON_ICON, Styles.FLAT);
    b.setTooltip(new Tooltip(what));
    b.setOnAction(
        e -> {
          ClipboardContent c = new ClipboardContent();
          c.putString(text);
          Clipboard.getSystemClipboard().setContent(c);
        });
    return b;
  }
}
