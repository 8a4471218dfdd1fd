package dev.ferry.gateway.config;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The compact duration form of the configuration: a positive whole number and one unit, {@code
 * 500ms}, {@code 30s}, {@code 30m}, {@code 8h}. One unit only, so a value reads the same in the
 * config file, the startup log and {@code /v1/proxies}.
 */
public final class Durations {
  private static final Pattern FORM = Pattern.compile("([0-9]+)(ms|s|m|h)");

  private Durations() {}

  /**
   * Parses {@code 500ms}, {@code 30s}, {@code 30m} or {@code 8h}.
   *
   * @throws IllegalArgumentException when the text is not in that form or is zero
   */
  public static Duration parse(String text) {
    Matcher m = FORM.matcher(text == null ? "" : text);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "invalid duration '"
              + text
              + "': expected a positive whole number followed by ms, s, m or h"
              + " (500ms, 30s, 30m, 8h)");
    }
    ChronoUnit unit =
        switch (m.group(2)) {
          case "ms" -> ChronoUnit.MILLIS;
          case "s" -> ChronoUnit.SECONDS;
          case "m" -> ChronoUnit.MINUTES;
          default -> ChronoUnit.HOURS;
        };
    try {
      long amount = Long.parseLong(m.group(1));
      if (amount == 0) {
        throw new IllegalArgumentException("invalid duration '" + text + "': must be positive");
      }
      return Duration.of(amount, unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("invalid duration '" + text + "': too long", e);
    }
  }

  /**
   * The largest unit that represents {@code duration} exactly, so {@code parse(format(d))} equals
   * {@code d} for every duration {@link #parse} returns. Sub-millisecond parts are dropped: nothing
   * in Ferry is configured that finely.
   *
   * @throws IllegalArgumentException for a negative duration
   */
  public static String format(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("negative duration " + duration);
    }
    if (duration.isZero()) {
      return "0ms";
    }
    if (Duration.ofHours(duration.toHours()).equals(duration)) {
      return duration.toHours() + "h";
    }
    if (Duration.ofMinutes(duration.toMinutes()).equals(duration)) {
      return duration.toMinutes() + "m";
    }
    if (Duration.ofSeconds(duration.toSeconds()).equals(duration)) {
      return duration.toSeconds() + "s";
    }
    return duration.toMillis() + "ms";
  }
}
