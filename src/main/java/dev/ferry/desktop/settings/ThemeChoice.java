package dev.ferry.desktop.settings;

/** Which look the app takes: the system's (best effort), or always light or dark. */
public enum ThemeChoice {
  SYSTEM("Follow system"),
  LIGHT("Light"),
  DARK("Dark");

  private final String label;

  ThemeChoice(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  @Override
  public String toString() {
    return label;
  }
}
