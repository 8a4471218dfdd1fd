package dev.ferry.desktop.common;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** Numbers the way the stats show them. */
public final class Formats {
  private Formats() {}

  /** "0 B", "1000 B", "1.5 KiB", "12.0 MiB". */
  public static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  /** "12 ms", "1.2 s", "—" when unknown. */
  public static String rtt(Duration d) {
    if (d == null) {
      return "—";
    }
    long ms = d.toMillis();
    if (ms < 1) {
      return String.format(Locale.ROOT, "%.1f ms", d.toNanos() / 1e6);
    }
    return ms < 1000 ? ms + " ms" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
  }

  /** "42 s", "3 min 05 s", "1 h 02 min". */
  public static String age(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s < 60) {
      return s + " s";
    }
    if (s < 3600) {
      return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
  }

  /** "token expires in 59:58", "token expires in 2 h 05 min"; "" when unknown. */
  public static String expiry(Instant now, Instant expiresAt) {
    if (expiresAt == null) {
      return "";
    }
    Duration left = Duration.between(now, expiresAt);
    if (left.isNegative() || left.isZero()) {
      return "token expired: renewing…";
    }
    long s = left.toSeconds();
    if (s >= 3600) {
      return String.format(
          Locale.ROOT, "token expires in %d h %02d min", s / 3600, (s % 3600) / 60);
    }
    return String.format(Locale.ROOT, "token expires in %d:%02d", s / 60, s % 60);
  }
}
