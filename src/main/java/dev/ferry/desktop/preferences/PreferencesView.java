package dev.ferry.desktop.preferences;

import atlantafx.base.theme.Styles;
import dev.ferry.desktop.history.HistoryViewModel;
import dev.ferry.desktop.openwith.OpenWithSettingsViewModel;
import dev.ferry.desktop.settings.Settings;
import dev.ferry.desktop.settings.SettingsViewModel;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.kordamp.ikonli.feather.Feather;
import org.kordamp.ikonli.javafx.FontIcon;

/**
 * The settings area: how long history is kept, the connection limit of new forwarders, and the
 * "Open with…" command per kind.
 */
public final class PreferencesView extends ScrollPane {

  public PreferencesView(
      HistoryViewModel history, OpenWithSettingsViewModel openWith, SettingsViewModel settings) {
    setFitToWidth(true);
    setId("preferences");

    Label historyTitle = new Label("History");
    historyTitle.getStyleClass().add(Styles.TITLE_4);
    Spinner<Integer> days = new Spinner<>(0, Settings.MAX_HISTORY_DAYS, 0, 1);
    days.setId("retentionDays");
    days.setEditable(true);
    days.setPrefWidth(110);
    days.getValueFactory().setValue(history.retentionDaysProperty().get());
    days.valueProperty()
        .addListener((o, was, now) -> history.retentionDaysProperty().set(now == null ? 0 : now));
    history
        .retentionDaysProperty()
        .addListener((o, was, now) -> days.getValueFactory().setValue(now.intValue()));
    Label daysHelp = new Label("days (0 keeps every session)");
    daysHelp.getStyleClass().add(Styles.TEXT_MUTED);
    HBox retention = new HBox(8, new Label("Keep sessions for"), days, daysHelp);
    retention.setAlignment(Pos.CENTER_LEFT);

    Label forwardersTitle = new Label("Forwarders");
    forwardersTitle.getStyleClass().add(Styles.TITLE_4);
    TextField max = new TextField();
    max.setId("maxConnections");
    max.setPrefColumnCount(6);
    max.textProperty().bindBidirectional(settings.maxConnectionsTextProperty());
    Label maxHelp =
        new Label(
            "local connections at once (0: no limit); applies to forwarders started from now on");
    maxHelp.getStyleClass().add(Styles.TEXT_MUTED);
    HBox limit = new HBox(8, new Label("Max connections per forwarder"), max, maxHelp);
    limit.setAlignment(Pos.CENTER_LEFT);
    Label maxProblem = new Label();
    maxProblem.setId("maxConnectionsProblem");
    maxProblem.getStyleClass().addAll(Styles.TEXT_SMALL, Styles.DANGER);
    maxProblem.textProperty().bind(settings.maxConnectionsProblemProperty());
    maxProblem.managedProperty().bind(maxProblem.textProperty().isNotEmpty());
    maxProblem.visibleProperty().bind(maxProblem.managedProperty());

    Label openTitle = new Label("Open with");
    openTitle.getStyleClass().add(Styles.TITLE_4);
    Label openHelp =
        new Label(
            "The program \"Open with…\" starts for a connected proxy. {host}, {port} and {user} are"
                + " filled in. It runs as typed, without a shell: quote words with spaces.");
    openHelp.setWrapText(true);
    openHelp.getStyleClass().add(Styles.TEXT_MUTED);
    GridPane grid = new GridPane();
    grid.setHgap(8);
    grid.setVgap(2);
    int r = 0;
    for (OpenWithSettingsViewModel.Row row : openWith.rows()) {
      Label kind = new Label(row.kind());
      kind.getStyleClass().add(Styles.TEXT_BOLD);
      TextField command = new TextField();
      command.setId("openWith-" + row.kind());
      command.getStyleClass().add("ferry-mono");
      command.textProperty().bindBidirectional(row.commandProperty());
      GridPane.setHgrow(command, Priority.ALWAYS);
      Button reset = new Button(null, new FontIcon(Feather.ROTATE_CCW));
      reset.getStyleClass().addAll(Styles.BUTTON_ICON, Styles.FLAT);
      reset.setTooltip(new Tooltip("Back to the default"));
      reset.setOnAction(e -> row.reset());
      Label preview = new Label();
      preview.setId("openWithPreview-" + row.kind());
      preview.getStyleClass().addAll(Styles.TEXT_SMALL, Styles.TEXT_MUTED);
      preview.textProperty().bind(row.previewProperty());
      grid.add(kind, 0, r);
      grid.add(command, 1, r);
      grid.add(reset, 2, r);
      grid.add(preview, 1, r + 1);
      r += 2;
    }

    VBox content =
        new VBox(
            10,
            historyTitle,
            retention,
            forwardersTitle,
            limit,
            maxProblem,
            openTitle,
            openHelp,
            grid);
    content.setPadding(new Insets(16));
    content.setMaxWidth(900);
    setContent(content);
  }
}
