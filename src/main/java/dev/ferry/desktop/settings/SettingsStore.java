package dev.ferry.desktop.settings;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ferry.client.auth.ClientStateStore;
import dev.ferry.client.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@link Settings} as {@value #FILE_NAME} in the user's config folder (the CLI's, beside its
 * client.json). Writes go to a temp file renamed over the old one, so a crash never leaves half a
 * file. Disk work: call off the FX thread. Thread-safe (one write at a time).
 */
public final class SettingsStore {
  public static final String FILE_NAME = "desktop.json";
  private static final Logger LOG = LoggerFactory.getLogger(SettingsStore.class);
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path folder;

  public SettingsStore(Path folder) {
    this.folder = folder;
  }

  /** The store in this user's config folder: the same folder the CLI remembers its login in. */
  public static SettingsStore forCurrentUser() {
    return new SettingsStore(ClientStateStore.forCurrentUser().file().getParent());
  }

  public Path file() {
    return folder.resolve(FILE_NAME);
  }

  /**
   * The saved settings, or the defaults when there are none. A damaged file reads as the defaults
   * (and is logged): losing preferences must never keep the app from starting.
   */
  public Settings load() {
    try {
      Settings s = JSON.readValue(file().toFile(), Settings.class);
      return s == null ? Settings.DEFAULTS : s;
    } catch (NoSuchFileException | java.io.FileNotFoundException e) {
      return Settings.DEFAULTS;
    } catch (IOException e) {
      LOG.warn("ignoring unreadable settings {}: {}", file(), e.getMessage());
      return Settings.DEFAULTS;
    }
  }

  public synchronized void save(Settings settings) throws IOException {
    AtomicFiles.write(file(), JSON.writeValueAsBytes(settings));
  }
}
