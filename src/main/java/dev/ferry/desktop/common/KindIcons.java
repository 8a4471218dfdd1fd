package dev.ferry.desktop.common;

import java.util.Locale;
import org.kordamp.ikonli.Ikon;
import org.kordamp.ikonli.feather.Feather;
import org.kordamp.ikonli.javafx.FontIcon;

/** The icon of each proxy kind (DESIGN §3's kinds; anything else is plain TCP). */
public final class KindIcons {
  private KindIcons() {}

  public static Ikon forKind(String kind) {
    return switch (kind == null ? "tcp" : kind.toLowerCase(Locale.ROOT)) {
      case "postgres", "mysql" -> Feather.DATABASE;
      case "ssh" -> Feather.TERMINAL;
      case "redis" -> Feather.LAYERS;
      case "http" -> Feather.GLOBE;
      case "rdp" -> Feather.MONITOR;
      default -> Feather.LINK;
    };
  }

  public static FontIcon icon(String kind, int size) {
    FontIcon i = new FontIcon(forKind(kind));
    i.setIconSize(size);
    return i;
  }

  public static FontIcon icon(Ikon ikon) {
    return new FontIcon(ikon);
  }
}
