package dev.ferry.desktop.settings;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;

/**
 * The look: the user's {@link ThemeChoice} (persisted) and whether the app is dark as a result.
 * Whether the system is dark is told in from outside (detecting it runs commands: off the FX
 * thread).
 */
public final class SettingsViewModel {
  private final SettingsModel settings;
  private final ObjectProperty<ThemeChoice> theme = new SimpleObjectProperty<>();
  private final BooleanProperty systemDark = new SimpleBooleanProperty(false);
  private final BooleanProperty dark = new SimpleBooleanProperty(false);

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

  /** True when the dark theme is to be shown. */
  public ReadOnlyBooleanProperty darkProperty() {
    return dark;
  }
}
