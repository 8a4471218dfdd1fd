package dev.ferry.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts hostile inputs across the test run: per attack class how many were tried and how many the
 * gateway accepted (must be 0), and how many upstream connections were opened before authorization
 * (must be 0). Each record prints one line ({@code hostile: <class> tried=N accepted=M}) into the
 * test's output, and {@code target/hostile-tally.txt} always holds every class and the running
 * total, so the last version of that file is the run's tally.
 */
public final class HostileTally {
  private static final Path FILE = Path.of("target", "hostile-tally.txt");
  private static final Map<String, long[]> CLASSES = new TreeMap<>();
  private static long upstreamBeforeAuth;
  private static final List<String> NOTES = new ArrayList<>();

  private HostileTally() {}

  /** Records an attack class; returns the summary line (also printed). */
  public static synchronized String record(String attack, long tried, long accepted) {
    long[] c = CLASSES.computeIfAbsent(attack, k -> new long[2]);
    c[0] += tried;
    c[1] += accepted;
    String line = "hostile: " + attack + " tried=" + tried + " accepted=" + accepted;
    System.out.println(line);
    write();
    return line;
  }

  /** Upstream connections a target saw from requests that were never authorized. */
  public static synchronized void upstreamBeforeAuthorization(String where, long connects) {
    upstreamBeforeAuth += connects;
    System.out.println(
        "hostile: upstream connections before authorization (" + where + ")=" + connects);
    write();
  }

  /** A measured figure that is not a tried/accepted count (memory growth, timeouts counted). */
  public static synchronized void note(String line) {
    NOTES.add(line);
    System.out.println("hostile: " + line);
    write();
  }

  private static void write() {
    long tried = 0;
    long accepted = 0;
    StringBuilder b = new StringBuilder();
    for (Map.Entry<String, long[]> e : CLASSES.entrySet()) {
      tried += e.getValue()[0];
      accepted += e.getValue()[1];
      b.append("hostile: ")
          .append(e.getKey())
          .append(" tried=")
          .append(e.getValue()[0])
          .append(" accepted=")
          .append(e.getValue()[1])
          .append('\n');
    }
    NOTES.forEach(n -> b.append("hostile: ").append(n).append('\n'));
    b.append("hostile: TOTAL forged or malformed inputs tried=")
        .append(tried)
        .append(" accepted=")
        .append(accepted)
        .append("; upstream connections before authorization=")
        .append(upstreamBeforeAuth)
        .append('\n');
    try {
      Files.createDirectories(FILE.getParent());
      Files.writeString(FILE, b.toString(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
