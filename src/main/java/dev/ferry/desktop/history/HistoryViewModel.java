package dev.ferry.desktop.history;

import dev.ferry.client.history.HistoryCsv;
import dev.ferry.client.history.HistoryStore;
import dev.ferry.client.history.SessionRecord;
import dev.ferry.desktop.settings.Settings;
import dev.ferry.desktop.settings.SettingsModel;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.StringBinding;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.collections.transformation.FilteredList;
import javafx.collections.transformation.SortedList;

/**
 * The connection history: what the {@link HistoryStore} keeps, newest first, filtered as the user
 * types (gateway, proxy, outcome, reason) and sorted as the table says; CSV export of what is
 * shown; the retention setting; a notice when the history file was damaged or locked. Sessions
 * arrive from forwarders' I/O threads through {@link #record}; the store writes them off the FX
 * thread.
 */
public final class HistoryViewModel {
  /** How many sessions the table loads. */
  public static final int LIMIT = 5000;

  private final HistoryStore store;
  private final SettingsModel settings;
  private final Executor io;
  private final Executor ui;

  private final ObservableList<SessionRecord> all = FXCollections.observableArrayList();
  private final FilteredList<SessionRecord> filtered = new FilteredList<>(all);
  private final SortedList<SessionRecord> sorted = new SortedList<>(filtered);
  private final StringProperty search = new SimpleStringProperty("");
  private final StringProperty notice = new SimpleStringProperty("");
  private final StringProperty status = new SimpleStringProperty("");
  private final IntegerProperty retentionDays = new SimpleIntegerProperty();
  private final StringProperty file = new SimpleStringProperty("");
  private final ObjectProperty<Comparator<? super SessionRecord>> defaultOrder =
      new SimpleObjectProperty<>(
          Comparator.comparing(SessionRecord::start)
              .thenComparingLong(SessionRecord::id)
              .reversed());

  public HistoryViewModel(HistoryStore store, SettingsModel settings, Executor io, Executor ui) {
    this.store = store;
    this.settings = settings;
    this.io = io;
    this.ui = ui;
    sorted.setComparator(defaultOrder.get());
    search.addListener((o, was, now) -> filtered.setPredicate(s -> s.matches(now)));
    retentionDays.set(settings.get().historyDays());
    retentionDays.addListener(
        (o, was, now) -> {
          int days = Math.max(0, Math.min(Settings.MAX_HISTORY_DAYS, now.intValue()));
          if (days != settings.get().historyDays()) {
            settings.update(s -> s.withHistoryDays(days));
            store.retention(days).thenAccept(n -> reload());
          }
        });
    store.onProblem(m -> ui.execute(() -> notice.set(m)));
  }

  /** Reads the history (after the store has opened) and shows why if the file was replaced. */
  public void start() {
    store
        .opened()
        .whenComplete(
            (s, e) ->
                ui.execute(
                    () -> {
                      if (e != null) {
                        notice.set("History is unavailable: " + e.getMessage());
                        return;
                      }
                      notice.set(s.notice());
                      file.set(s.file() == null ? "kept in memory only" : s.file().toString());
                    }));
    reload();
  }

  /** Loads the newest {@value #LIMIT} sessions again. */
  public void reload() {
    store
        .recent(LIMIT)
        .whenComplete(
            (rows, e) ->
                ui.execute(
                    () -> {
                      if (e == null) {
                        all.setAll(rows);
                      }
                    }));
  }

  /**
   * Stores a session; it shows once written. Thread-safe (forwarders call it from I/O threads). A
   * session that could not be written still shows, and the notice says why.
   */
  public CompletableFuture<SessionRecord> record(SessionRecord s) {
    return store
        .add(s)
        .whenComplete(
            (saved, e) ->
                ui.execute(
                    () -> {
                      all.add(0, saved != null ? saved : s);
                      if (all.size() > LIMIT) {
                        all.remove(LIMIT, all.size());
                      }
                    }));
  }

  /** A sink for the forwarders: {@link #record}, fire and forget. */
  public Consumer<SessionRecord> sink() {
    return this::record;
  }

  /**
   * Writes the sessions shown (filtered, in the table's order) to {@code target} as CSV, off the FX
   * thread; the status tells how it went. Call on the UI thread.
   */
  public CompletableFuture<Path> exportCsv(Path target) {
    List<SessionRecord> rows = List.copyOf(sorted);
    status.set("Exporting " + rows.size() + " sessions…");
    return CompletableFuture.supplyAsync(
            () -> {
              try (Writer w = Files.newBufferedWriter(target, StandardCharsets.UTF_8)) {
                HistoryCsv.write(rows, w);
                return target;
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            },
            io)
        .whenComplete(
            (p, e) ->
                ui.execute(
                    () ->
                        status.set(
                            e == null
                                ? "Exported "
                                    + rows.size()
                                    + (rows.size() == 1 ? " session" : " sessions")
                                    + " to "
                                    + p
                                : "Could not export to " + target + ": " + rootMessage(e))));
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t instanceof java.nio.file.NoSuchFileException
        ? "no such folder"
        : t instanceof java.nio.file.AccessDeniedException
            ? "permission denied"
            : String.valueOf(t.getMessage());
  }

  public void dismissNotice() {
    notice.set("");
  }

  /** Stops the writer after the queued sessions are written. */
  public void close() {
    store.close();
  }

  /**
   * What the table shows: filtered by {@link #searchProperty}; bind its comparator to the table.
   */
  public SortedList<SessionRecord> rows() {
    return sorted;
  }

  /** Every loaded session, newest first (before the search). */
  public ObservableList<SessionRecord> all() {
    return all;
  }

  /** The order used when the table sorts by nothing: newest first. */
  public Comparator<? super SessionRecord> defaultOrder() {
    return defaultOrder.get();
  }

  public StringProperty searchProperty() {
    return search;
  }

  /** A damaged, locked or unwritable history file, in words; empty when all is well. */
  public StringProperty noticeProperty() {
    return notice;
  }

  /** How the last export went. */
  public StringProperty statusProperty() {
    return status;
  }

  /** Days sessions are kept (0: forever); persisted, and applied at once. */
  public IntegerProperty retentionDaysProperty() {
    return retentionDays;
  }

  /** Where the history is kept. */
  public StringProperty fileProperty() {
    return file;
  }

  /** "12 sessions" or "3 of 12 sessions". */
  public StringBinding countText() {
    return Bindings.createStringBinding(
        () ->
            filtered.size() == all.size()
                ? all.size() + (all.size() == 1 ? " session" : " sessions")
                : filtered.size() + " of " + all.size() + " sessions",
        filtered,
        all);
  }
}
