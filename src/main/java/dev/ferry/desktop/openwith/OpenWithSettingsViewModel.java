package dev.ferry.desktop.openwith;

import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The "Open with" part of the settings: one editable command per proxy kind, a preview of the argv
 * it runs (or what is wrong with it), and a way back to the default. Every edit is remembered.
 */
public final class OpenWithSettingsViewModel {
  static final int PREVIEW_PORT = 5432;

  /** One kind's command. */
  public final class Row {
    private final String kind;
    private final StringProperty command = new SimpleStringProperty();
    private final StringProperty preview = new SimpleStringProperty("");

    Row(String kind) {
      this.kind = kind;
      command.set(model.command(kind));
      command.addListener(
          (o, was, now) -> {
            model.setCommand(kind, now);
            updatePreview();
          });
      updatePreview();
    }

    private void updatePreview() {
      String c = command.get() == null ? "" : command.get();
      if (c.isBlank()) {
        preview.set("No command: \"Open with…\" is hidden for " + kind + " proxies.");
        return;
      }
      try {
        preview.set("Runs: " + CommandLine.display(model.argv(c, "127.0.0.1", PREVIEW_PORT)));
      } catch (IllegalArgumentException e) {
        preview.set("Cannot run this: " + e.getMessage() + ".");
      }
    }

    public String kind() {
      return kind;
    }

    public StringProperty commandProperty() {
      return command;
    }

    /** "Runs: psql -h 127.0.0.1 -p 5432 …", or what is wrong with the command. */
    public StringProperty previewProperty() {
      return preview;
    }

    public void reset() {
      command.set(model.defaultCommand(kind));
    }
  }

  private final OpenWithModel model;
  private final ObservableList<Row> rows = FXCollections.observableArrayList();

  public OpenWithSettingsViewModel(OpenWithModel model) {
    this.model = model;
    for (String kind : OpenWithDefaults.KINDS) {
      rows.add(new Row(kind));
    }
  }

  public ObservableList<Row> rows() {
    return rows;
  }

  /** The row of {@code kind}, or null. */
  public Row row(String kind) {
    return rows.stream().filter(r -> r.kind().equals(kind)).findFirst().orElse(null);
  }
}
