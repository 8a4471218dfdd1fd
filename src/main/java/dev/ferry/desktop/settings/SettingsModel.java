package dev.ferry.desktop.settings;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The app's settings in memory, shared by the view-models; every change is written to disk on the
 * IO executor (the newest state wins). Thread-safe; holds no JavaFX state.
 */
public final class SettingsModel {
  private static final Logger LOG = LoggerFactory.getLogger(SettingsModel.class);

  private final SettingsStore store;
  private final Executor io;
  private final AtomicReference<Settings> current;
  private volatile Consumer<String> onSaveFailure = m -> {};
  private final List<Consumer<Settings>> listeners = new CopyOnWriteArrayList<>();

  public SettingsModel(SettingsStore store, Settings initial, Executor io) {
    this.store = store;
    this.io = io;
    this.current = new AtomicReference<>(initial);
  }

  public Settings get() {
    return current.get();
  }

  /** Applies {@code change} and saves the result off the calling thread. */
  public Settings update(UnaryOperator<Settings> change) {
    Settings next = current.updateAndGet(change);
    io.execute(this::saveNow);
    listeners.forEach(l -> l.accept(next));
    return next;
  }

  /** Told every change, on the thread that made it (the UI thread in the app). */
  public void onChange(Consumer<Settings> listener) {
    listeners.add(listener);
  }

  /** Called with a one-line message when the settings could not be written. */
  public void onSaveFailure(Consumer<String> handler) {
    this.onSaveFailure = handler;
  }

  private void saveNow() {
    try {
      store.save(current.get());
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not save settings to {}", store.file(), e);
      onSaveFailure.accept("Could not save settings to " + store.file() + ": " + e.getMessage());
    }
  }
}
