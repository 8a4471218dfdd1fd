package dev.ferry.desktop.settings;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

/**
 * The look: the user's {@link ThemeChoice} (persisted) and whether the app is dark as a result.
 * Whether the system is dark is told in from outside (detecting it runs commands: off the FX
 * thread). Also the per-forwarder connection limit, typed as text and saved once it is valid.
 */
public final class SettingsViewModel {
  private final SettingsModel settings;
  private final ObjectProperty<ThemeChoice> theme = new SimpleObjectProperty<>();
  private final BooleanProperty systemDark = new SimpleBooleanProperty(false);
  private final BooleanProperty dark = new SimpleBooleanProperty(false);
  private final StringProperty maxConnectionsText = new SimpleStringProperty();
  private final ReadOnlyIntegerWrapper maxConnections = new ReadOnlyIntegerWrapper();
  private final ReadOnlyStringWrapper maxConnectionsProblem = new ReadOnlyStringWrapper("");

  public SettingsViewModel(SettingsModel settings) {
    this.settings = settings;
    theme.set(settings.get().theme());
    theme.addListener(
        (o, was, now) -> {
          if (now != null && now != settings.get().theme()) {
            settings.update(s -> s.withTheme(now));
          }
          recompute();
        });
    systemDark.addListener((o, was, now) -> recompute());
    recompute();
    maxConnections.set(settings.get().maxConnections());
    maxConnectionsText.set(Integer.toString(settings.get().maxConnections()));
    maxConnectionsText.addListener((o, was, now) -> maxConnectionsTyped(now));
  }

  /** A valid number is saved at once; anything else is named and the saved limit stays. */
  private void maxConnectionsTyped(String text) {
    Integer n = parseLimit(text);
    if (n == null) {
      maxConnectionsProblem.set(
          "Enter a whole number from 0 (no limit) to " + Settings.MAX_CONNECTIONS + ".");
      return;
    }
    maxConnectionsProblem.set("");
    maxConnections.set(n);
    if (n != settings.get().maxConnections()) {
      settings.update(s -> s.withMaxConnections(n));
    }
  }

  private static Integer parseLimit(String text) {
    String t = text == null ? "" : text.strip();
    if (t.isEmpty() || t.length() > 6 || !t.chars().allMatch(Character::isDigit)) {
      return null;
    }
    int n = Integer.parseInt(t);
    return n <= Settings.MAX_CONNECTIONS ? n : null;
  }

  private void recompute() {
    ThemeChoice t = theme.get() == null ? ThemeChoice.SYSTEM : theme.get();
    dark.set(t == ThemeChoice.DARK || (t == ThemeChoice.SYSTEM && systemDark.get()));
  }

  public ObjectProperty<ThemeChoice> themeProperty() {
    return theme;
  }

  /** Set by the app once it has asked the OS (false when it cannot tell). */
  public BooleanProperty systemDarkProperty() {
    return systemDark;
  }

  /**
   * "Max connections per forwarder" as the user types it; a valid value (0…{@value
   * Settings#MAX_CONNECTIONS}) is saved and used by forwarders started afterwards.
   */
  public StringProperty maxConnectionsTextProperty() {
    return maxConnectionsText;
  }

  /** The limit in force for new forwarders, 0 for none (the last valid value typed). */
  public ReadOnlyIntegerProperty maxConnectionsProperty() {
    return maxConnections.getReadOnlyProperty();
  }

  /** Why the typed limit is not taken; empty when it is. */
  public ReadOnlyStringProperty maxConnectionsProblemProperty() {
    return maxConnectionsProblem.getReadOnlyProperty();
  }

  /** True when the dark theme is to be shown. */
  public ReadOnlyBooleanProperty darkProperty() {
    return dark;
  }
}
