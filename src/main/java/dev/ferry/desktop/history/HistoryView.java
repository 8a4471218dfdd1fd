package dev.ferry.desktop.history;

import atlantafx.base.theme.Styles;
import dev.ferry.client.history.Outcome;
import dev.ferry.client.history.SessionRecord;
import dev.ferry.desktop.common.Formats;
import java.io.File;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.Locale;
import java.util.function.Function;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TableCell;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import org.kordamp.ikonli.feather.Feather;
import org.kordamp.ikonli.javafx.FontIcon;

/** The history table with its search, CSV export and the notice about the history file. */
public final class HistoryView extends VBox {
  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
          .withZone(ZoneId.systemDefault());

  public HistoryView(HistoryViewModel vm) {
    setSpacing(8);
    setId("history");

    Label notice = new Label();
    notice.setId("historyNotice");
    notice.setWrapText(true);
    notice.setGraphic(new FontIcon(Feather.ALERT_TRIANGLE));
    notice.textProperty().bind(vm.noticeProperty());
    Region gap = new Region();
    HBox.setHgrow(gap, Priority.ALWAYS);
    Button dismiss = new Button(null, new FontIcon(Feather.X));
    dismiss.getStyleClass().addAll(Styles.BUTTON_ICON, Styles.FLAT);
    dismiss.setTooltip(new Tooltip("Dismiss"));
    dismiss.setOnAction(e -> vm.dismissNotice());
    HBox banner = new HBox(8, notice, gap, dismiss);
    banner.setAlignment(Pos.CENTER_LEFT);
    banner.getStyleClass().add("ferry-banner");
    HBox.setHgrow(notice, Priority.ALWAYS);
    banner.managedProperty().bind(vm.noticeProperty().isNotEmpty());
    banner.visibleProperty().bind(banner.managedProperty());

    TextField search = new TextField();
    search.setId("historySearch");
    search.setPromptText("Filter by gateway, proxy, outcome or reason");
    search.textProperty().bindBidirectional(vm.searchProperty());
    HBox.setHgrow(search, Priority.ALWAYS);
    Label count = new Label();
    count.setId("historyCount");
    count.getStyleClass().add(Styles.TEXT_MUTED);
    count.textProperty().bind(vm.countText());
    Button export = new Button("Export CSV…", new FontIcon(Feather.DOWNLOAD));
    export.setId("exportHistory");
    export.setOnAction(
        e -> {
          FileChooser chooser = new FileChooser();
          chooser.setTitle("Export connection history");
          chooser.setInitialFileName("ferry-history.csv");
          chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter("CSV", "*.csv"));
          File f = chooser.showSaveDialog(getScene().getWindow());
          if (f != null) {
            vm.exportCsv(f.toPath());
          }
        });
    HBox bar = new HBox(8, new FontIcon(Feather.SEARCH), search, count, export);
    bar.setAlignment(Pos.CENTER_LEFT);

    TableView<SessionRecord> table = new TableView<>(vm.rows());
    table.setId("historyTable");
    table.setPlaceholder(
        new Label("No sessions yet: each connection through a forwarder is listed here."));
    table.getStyleClass().add(Styles.DENSE);
    table.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
    vm.rows().comparatorProperty().bind(table.comparatorProperty());
    TableColumn<SessionRecord, Instant> start =
        column("Start", SessionRecord::start, WHEN::format, Comparator.naturalOrder());
    // The whole date and time must show; the other columns share what is left.
    start.setMinWidth(150);
    table
        .getColumns()
        .addAll(
            start,
            column("Proxy", SessionRecord::proxy, s -> s, String.CASE_INSENSITIVE_ORDER),
            column("Gateway", SessionRecord::gatewayName, s -> s, String.CASE_INSENSITIVE_ORDER),
            column("Local port", SessionRecord::localPort, String::valueOf, Integer::compare),
            column("Duration", SessionRecord::duration, Formats::age, Duration::compareTo),
            column("Sent ↑", SessionRecord::bytesUp, Formats::bytes, Long::compare),
            column("Received ↓", SessionRecord::bytesDown, Formats::bytes, Long::compare),
            column("Resumes", SessionRecord::resumes, String::valueOf, Integer::compare),
            column("Outcome", SessionRecord::outcome, Outcome::label, Comparator.naturalOrder()),
            column("Reason", SessionRecord::reason, s -> s, String.CASE_INSENSITIVE_ORDER));
    VBox.setVgrow(table, Priority.ALWAYS);

    Label status = new Label();
    status.setId("historyStatus");
    status.getStyleClass().add(Styles.TEXT_MUTED);
    status.textProperty().bind(vm.statusProperty());
    Label file = new Label();
    file.getStyleClass().addAll(Styles.TEXT_SMALL, Styles.TEXT_MUTED);
    file.textProperty().bind(vm.fileProperty().map(f -> f.isEmpty() ? "" : "Kept in " + f));
    Region gap2 = new Region();
    HBox.setHgrow(gap2, Priority.ALWAYS);
    HBox footer = new HBox(8, status, gap2, file);

    getChildren().addAll(banner, bar, table, footer);
  }

  private static <T> TableColumn<SessionRecord, T> column(
      String title,
      Function<SessionRecord, T> value,
      Function<T, String> text,
      Comparator<T> order) {
    TableColumn<SessionRecord, T> c = new TableColumn<>(title);
    c.setId("history-" + title.replaceAll("[^A-Za-z]", "").toLowerCase(Locale.ROOT));
    c.setCellValueFactory(d -> new ReadOnlyObjectWrapper<>(value.apply(d.getValue())));
    c.setComparator(order);
    c.setCellFactory(
        col ->
            new TableCell<>() {
              @Override
              protected void updateItem(T item, boolean empty) {
                super.updateItem(item, empty);
                if (empty || item == null) {
                  setText(null);
                  getStyleClass().removeAll(Styles.DANGER, Styles.WARNING);
                  return;
                }
                setText(text.apply(item));
                getStyleClass().removeAll(Styles.DANGER, Styles.WARNING);
                if (item == Outcome.ERROR) {
                  getStyleClass().add(Styles.DANGER);
                } else if (item == Outcome.REFUSED) {
                  getStyleClass().add(Styles.WARNING);
                }
              }
            });
    return c;
  }
}
