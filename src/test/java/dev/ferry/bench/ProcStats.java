package dev.ferry.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the harness reads about the relay processes it started (Linux {@code /proc}, and {@code
 * jcmd} for a JVM): CPU time, proportional memory, heap in use after a forced GC. A relay that
 * forks per connection (socat, websockify) counts with its children: live ones directly, finished
 * ones through the parent's {@code cutime}/{@code cstime} once reaped — hence {@link #settle}.
 */
final class ProcStats {
  private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

  private ProcStats() {}

  /** Comma-separated PIDs, empty or missing for none. */
  static List<Long> pids(String csv) {
    List<Long> out = new ArrayList<>();
    if (csv != null) {
      for (String s : csv.split(",")) {
        if (!s.isBlank()) {
          out.add(Long.parseLong(s.trim()));
        }
      }
    }
    return out;
  }

  /** CPU seconds (user + system) of the processes, their reaped children and their live ones. */
  static double cpuSeconds(List<Long> pids, int clockTicks) {
    long ticks = 0;
    for (long pid : pids) {
      ticks += ticks(pid, true);
      for (long child : descendants(pid)) {
        ticks += ticks(child, false);
      }
    }
    return ticks / (double) clockTicks;
  }

  private static long ticks(long pid, boolean withReaped) {
    String stat;
    try {
      stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      return 0; // gone in between
    }
    // Fields after "pid (comm) ": state is field 3, utime 14, stime 15, cutime 16, cstime 17.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
    return withReaped ? t + Long.parseLong(f[13]) + Long.parseLong(f[14]) : t;
  }

  /** Proportional set size in KiB of the processes and their live children. */
  static long pssKiB(List<Long> pids) {
    long kib = 0;
    for (long pid : pids) {
      kib += pss(pid);
      for (long child : descendants(pid)) {
        kib += pss(child);
      }
    }
    return kib;
  }

  private static long pss(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
        if (line.startsWith("Pss:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      // gone in between
    }
    return 0;
  }

  static List<Long> descendants(long pid) {
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    return h.map(p -> p.descendants().map(ProcessHandle::pid).toList()).orElse(List.of());
  }

  /**
   * Waits (at most {@code maxMillis}) until the processes have at most {@code children} live
   * children, so that finished per-connection children are reaped and counted.
   */
  static void settle(List<Long> pids, int children, long maxMillis) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
    while (System.nanoTime() < end) {
      int n = 0;
      for (long pid : pids) {
        n += descendants(pid).size();
      }
      if (n <= children) {
        break;
      }
      Thread.sleep(50);
    }
    Thread.sleep(200);
  }

  /** Heap in use, KiB, right after {@code jcmd PID GC.run} (a full collection). */
  static long heapUsedAfterGcKiB(long pid) throws IOException, InterruptedException {
    jcmd(pid, "GC.run");
    Matcher m = HEAP_USED.matcher(jcmd(pid, "GC.heap_info"));
    if (!m.find()) {
      throw new IOException("jcmd " + pid + " GC.heap_info: no 'used NK' in its answer");
    }
    return Long.parseLong(m.group(1));
  }

  private static String jcmd(long pid, String command) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException("jcmd " + pid + " " + command + " failed: " + new String(out));
    }
    return new String(out, StandardCharsets.UTF_8);
  }
}
