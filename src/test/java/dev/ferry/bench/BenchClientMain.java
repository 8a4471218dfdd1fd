package dev.ferry.bench;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The load client of {@code bench/run.sh}, talking to {@link BenchTargetMain} through one path
 * (direct, a relay, a tunnel).
 *
 * <p>{@code BenchClientMain measure PORT BYTES PINGS SETUPS OUT_FILE}: one download and one upload
 * of BYTES each over one connection (after an untimed warm-up of an eighth of that, at most 64
 * MiB), PINGS sequential 64-byte round trips on one connection (after 1,000 untimed ones), and
 * SETUPS sequential new connections timed from connect to the first byte echoed; writes {@code
 * key=value} lines to OUT_FILE. System properties add figures: {@code bench.parallel=16,64}
 * (aggregate download and upload over that many connections at once, BYTES in all), {@code
 * bench.rateSeconds=S} (new connections per second from {@code bench.openers}, default 8, threads
 * for S seconds), {@code bench.serverPids} and {@code bench.relayPids} (comma-separated: CPU
 * seconds per GiB over the timed bulk transfers of the gateway-side relay and of all relay
 * processes), {@code bench.idle=N} (PSS of the gateway-side relay per idle connection over N held
 * ones; with {@code bench.jvmPid}, also its heap after a full GC, through jcmd) and {@code
 * bench.clkTck} (clock ticks per second of /proc, default 100).
 *
 * <p>{@code BenchClientMain report DIR NAME...}: prints the Markdown table of {@code DIR/NAME.txt}
 * (a {@code DIR/NAME.skip} file holds the reason a path was not measured). The first NAME is the
 * reference (direct), the last the subject (Ferry), the others the peers.
 */
public final class BenchClientMain {
  private static final int TIMEOUT_MS = 120_000;

  private BenchClientMain() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "measure" -> measure(args);
      case "report" ->
          System.out.print(report(Path.of(args[1]), List.of(args).subList(2, args.length)));
      default -> throw new IllegalArgumentException("usage: measure … | report …");
    }
  }

  // ---- measuring -------------------------------------------------------------------------

  private static void measure(String[] args) throws Exception {
    int port = Integer.parseInt(args[1]);
    long bytes = Long.parseLong(args[2]);
    int pings = Integer.parseInt(args[3]);
    int setups = Integer.parseInt(args[4]);
    Path out = Path.of(args[5]);
    List<Long> server = ProcStats.pids(System.getProperty("bench.serverPids"));
    List<Long> relays = ProcStats.pids(System.getProperty("bench.relayPids"));
    int clk = Integer.getInteger("bench.clkTck", 100);
    Map<String, String> r = new LinkedHashMap<>();
    long warm = Math.min(bytes / 8, 64L << 20);
    download(port, warm);
    upload(port, warm);
    // CPU of the relays over every timed bulk transfer below (none of the warm-up).
    ProcStats.settle(relays, 0, 5_000);
    double serverCpu0 = ProcStats.cpuSeconds(server, clk);
    double relaysCpu0 = ProcStats.cpuSeconds(relays, clk);
    long relayed = 2 * bytes;
    r.put("bytes", Long.toString(bytes));
    r.put("download_gbps", fmt(gbps(bytes, download(port, bytes))));
    r.put("upload_gbps", fmt(gbps(bytes, upload(port, bytes))));
    for (String n : System.getProperty("bench.parallel", "").split(",")) {
      if (n.isBlank()) {
        continue;
      }
      int tunnels = Integer.parseInt(n.trim());
      long each = Math.max(bytes / tunnels, 64 * 1024);
      r.put("agg" + tunnels + "_download_gbps", fmt(parallel(port, tunnels, each, true)));
      r.put("agg" + tunnels + "_upload_gbps", fmt(parallel(port, tunnels, each, false)));
      relayed += 2 * each * tunnels;
    }
    if (!server.isEmpty()) {
      ProcStats.settle(relays, 0, 5_000);
      double gib = relayed / (double) (1L << 30);
      r.put("relayed_bytes", Long.toString(relayed));
      r.put("server_cpu_s_per_gib", fmt((ProcStats.cpuSeconds(server, clk) - serverCpu0) / gib));
      r.put("relays_cpu_s_per_gib", fmt((ProcStats.cpuSeconds(relays, clk) - relaysCpu0) / gib));
    }
    long[] rtt = pingPong(port, pings);
    r.put("rtt_p50_us", fmt(percentile(rtt, 50) / 1e3));
    r.put("rtt_p99_us", fmt(percentile(rtt, 99) / 1e3));
    r.put("rtt_p999_us", fmt(percentile(rtt, 99.9) / 1e3));
    int rateSeconds = Integer.getInteger("bench.rateSeconds", 0);
    if (rateSeconds > 0) {
      int openers = Integer.getInteger("bench.openers", 8);
      r.put("tunnels_per_s", fmt(rate(port, openers, rateSeconds)));
    }
    // Setup is timed after the rate run: every path has then opened thousands of connections, so
    // the figure is a long-running relay's steady state, not the JIT warm-up of a fresh JVM.
    long[] setup = setups(port, setups);
    r.put("setup_p50_ms", fmt(percentile(setup, 50) / 1e6));
    r.put("setup_p99_ms", fmt(percentile(setup, 99) / 1e6));
    int idle = Integer.getInteger("bench.idle", 0);
    if (idle > 0 && !server.isEmpty()) {
      idle(port, idle, server, relays, Long.getLong("bench.jvmPid", 0), r);
    }
    StringBuilder sb = new StringBuilder();
    r.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    Files.writeString(out, sb.toString());
    System.out.print(sb);
  }

  /**
   * Aggregate Gbit/s of {@code tunnels} connections each moving {@code each} bytes at the same time
   * (all downloads, or all uploads), from the common start to the last one done; every connection's
   * setup is inside the time.
   */
  static double parallel(int port, int tunnels, long each, boolean down) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(tunnels);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Long>> done = new ArrayList<>();
      for (int i = 0; i < tunnels; i++) {
        done.add(
            pool.submit(
                () -> {
                  go.await();
                  return down ? download(port, each) : upload(port, each);
                }));
      }
      long start = System.nanoTime();
      go.countDown();
      for (Future<Long> f : done) {
        f.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
      }
      return gbps(each * tunnels, System.nanoTime() - start);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * New tunnels per second: {@code openers} threads each open a connection, wait for the first byte
   * echoed and close it, again and again for {@code seconds}.
   */
  static double rate(int port, int openers, int seconds) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(openers);
    try {
      long start = System.nanoTime();
      long end = start + TimeUnit.SECONDS.toNanos(seconds);
      List<Future<Integer>> done = new ArrayList<>();
      for (int i = 0; i < openers; i++) {
        done.add(
            pool.submit(
                () -> {
                  int n = 0;
                  while (System.nanoTime() < end) {
                    setupOnce(port);
                    n++;
                  }
                  return n;
                }));
      }
      long total = 0;
      for (Future<Integer> f : done) {
        total += f.get(seconds * 1000L + TIMEOUT_MS, TimeUnit.MILLISECONDS);
      }
      return total / ((System.nanoTime() - start) / 1e9);
    } finally {
      pool.shutdownNow();
    }
  }

  private static void setupOnce(int port) throws IOException {
    try (Socket s = open(port)) {
      s.getOutputStream().write('S');
      if (s.getInputStream().read() != 'S') {
        throw new IOException("setup: no first byte");
      }
    }
  }

  /**
   * Memory of the server-side relay per idle tunnel: {@code count} connections opened (8 at a time)
   * and carried end to end (first byte echoed), then held while the relay's PSS (and, for a JVM,
   * its heap after a full GC) is compared with before.
   */
  private static void idle(
      int port, int count, List<Long> server, List<Long> relays, long jvm, Map<String, String> r)
      throws Exception {
    ProcStats.settle(relays, 0, 5_000);
    long heap0 = jvm > 0 ? ProcStats.heapUsedAfterGcKiB(jvm) : 0;
    long pss0 = ProcStats.pssKiB(server);
    List<Socket> held = java.util.Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        done.add(
            pool.submit(
                () -> {
                  Socket s = open(port);
                  held.add(s);
                  s.getOutputStream().write('S');
                  if (s.getInputStream().read() != 'S') {
                    throw new IOException("idle: no first byte");
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
      }
      Thread.sleep(1000);
      long heap1 = jvm > 0 ? ProcStats.heapUsedAfterGcKiB(jvm) : 0;
      long pss1 = ProcStats.pssKiB(server);
      r.put("idle_tunnels", Integer.toString(count));
      r.put("idle_pss_kib", fmt((pss1 - pss0) / (double) count));
      if (jvm > 0) {
        r.put("idle_heap_kib", fmt((heap1 - heap0) / (double) count));
      }
    } finally {
      pool.shutdownNow();
      for (Socket s : held) {
        s.close();
      }
    }
  }

  private static Socket open(int port) throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
    s.setSoTimeout(TIMEOUT_MS);
    return s;
  }

  private static void header(OutputStream out, char mode, long n) throws IOException {
    DataOutputStream d = new DataOutputStream(out);
    d.write(mode);
    d.writeLong(n);
    d.flush();
  }

  /** Nanoseconds from the request to the last of n bytes received. */
  static long download(int port, long n) throws IOException {
    if (n <= 0) {
      return 0;
    }
    try (Socket s = open(port)) {
      InputStream in = s.getInputStream();
      byte[] buf = new byte[256 * 1024];
      long start = System.nanoTime();
      header(s.getOutputStream(), 'D', n);
      long left = n;
      while (left > 0) {
        int k = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (k < 0) {
          throw new IOException("download: end of stream after " + (n - left) + " of " + n);
        }
        left -= k;
      }
      return System.nanoTime() - start;
    }
  }

  /** Nanoseconds from the request to the target's receipt of all n bytes. */
  static long upload(int port, long n) throws IOException {
    if (n <= 0) {
      return 0;
    }
    try (Socket s = open(port)) {
      OutputStream out = s.getOutputStream();
      byte[] buf = new byte[256 * 1024];
      for (int i = 0; i < buf.length; i++) {
        buf[i] = (byte) (i * 17 + 3);
      }
      long start = System.nanoTime();
      header(out, 'U', n);
      long left = n;
      while (left > 0) {
        int k = (int) Math.min(buf.length, left);
        out.write(buf, 0, k);
        left -= k;
      }
      out.flush();
      if (s.getInputStream().read() != 'K') {
        throw new IOException("upload: no receipt from the target");
      }
      return System.nanoTime() - start;
    }
  }

  static long[] pingPong(int port, int count) throws IOException {
    try (Socket s = open(port)) {
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write('P');
      byte[] msg = new byte[BenchTargetMain.PING_SIZE];
      byte[] back = new byte[msg.length];
      long[] rtt = new long[count];
      for (int i = -1000; i < count; i++) {
        msg[0] = (byte) i;
        long start = System.nanoTime();
        out.write(msg);
        out.flush();
        if (in.readNBytes(back, 0, back.length) != back.length || back[0] != msg[0]) {
          throw new IOException("ping-pong: short or wrong echo");
        }
        if (i >= 0) {
          rtt[i] = System.nanoTime() - start;
        }
      }
      return rtt;
    }
  }

  static long[] setups(int port, int count) throws IOException {
    long[] t = new long[count];
    for (int i = -10; i < count; i++) {
      long start = System.nanoTime();
      try (Socket s = open(port)) {
        s.getOutputStream().write('S');
        if (s.getInputStream().read() != 'S') {
          throw new IOException("setup: no first byte");
        }
        if (i >= 0) {
          t[i] = System.nanoTime() - start;
        }
      }
    }
    return t;
  }

  static double gbps(long bytes, long nanos) {
    return bytes * 8.0 / nanos;
  }

  static double percentile(long[] values, double p) {
    long[] v = values.clone();
    Arrays.sort(v);
    int idx = (int) Math.ceil(p / 100.0 * v.length) - 1;
    return v[Math.max(0, Math.min(v.length - 1, idx))];
  }

  private static String fmt(double d) {
    return String.format(Locale.ROOT, "%.3f", d);
  }

  // ---- reporting -------------------------------------------------------------------------

  private record Row(String key, String label, boolean higherIsBetter) {}

  private static final List<Row> ROWS =
      List.of(
          new Row("download_gbps", "download, one tunnel (Gbit/s)", true),
          new Row("upload_gbps", "upload, one tunnel (Gbit/s)", true),
          new Row("rtt_p50_us", "64-byte RTT p50 (µs)", false),
          new Row("rtt_p99_us", "64-byte RTT p99 (µs)", false),
          new Row("rtt_p999_us", "64-byte RTT p99.9 (µs)", false),
          new Row("added_rtt_p50_us", "added RTT p50 over direct (µs)", false),
          new Row("added_rtt_p99_us", "added RTT p99 over direct (µs)", false),
          new Row("setup_p50_ms", "setup, accept → first byte p50 (ms)", false),
          new Row("setup_p99_ms", "setup, accept → first byte p99 (ms)", false),
          new Row("tunnels_per_s", "new tunnels per second, 8 openers", true),
          new Row("agg16_download_gbps", "download, 16 tunnels at once, aggregate (Gbit/s)", true),
          new Row("agg16_upload_gbps", "upload, 16 tunnels at once, aggregate (Gbit/s)", true),
          new Row("agg64_download_gbps", "download, 64 tunnels at once, aggregate (Gbit/s)", true),
          new Row("agg64_upload_gbps", "upload, 64 tunnels at once, aggregate (Gbit/s)", true),
          new Row("server_cpu_s_per_gib", "gateway-side relay CPU-seconds per GiB", false),
          new Row("relays_cpu_s_per_gib", "all relay processes CPU-seconds per GiB", false),
          new Row("idle_pss_kib", "gateway-side relay memory per idle tunnel, PSS (KiB)", false),
          new Row("idle_heap_kib", "gateway heap per idle tunnel, after full GC (KiB)", false),
          new Row("capacity_tunnels", "most concurrent tunnels, one gateway, -Xmx1g", true),
          new Row("capacity_heap_kib", "gateway heap per tunnel at that peak (KiB)", false));

  private static final Map<String, String> LABELS =
      Map.of(
          "direct", "direct",
          "socat1", "socat 1 hop",
          "socat2", "socat 2 hops",
          "websockify", "websockify",
          "wstunnel", "wstunnel (npm)",
          "ferry", "Ferry");

  static String report(Path dir, List<String> names) throws IOException {
    Map<String, Properties> results = new LinkedHashMap<>();
    List<String> notes = new ArrayList<>();
    for (String name : names) {
      Path txt = dir.resolve(name + ".txt");
      Path skip = dir.resolve(name + ".skip");
      if (Files.exists(txt)) {
        Properties p = new Properties();
        try (var r = Files.newBufferedReader(txt, StandardCharsets.UTF_8)) {
          p.load(r);
        }
        results.put(name, p);
      } else {
        String why = Files.exists(skip) ? Files.readString(skip).trim() : "no result";
        notes.add("- " + label(name) + ": not measured — " + why);
      }
    }
    String ref = names.get(0);
    String subject = names.get(names.size() - 1);
    Properties direct = results.get(ref);
    if (direct != null) {
      for (Properties p : results.values()) {
        for (String q : List.of("50", "99")) {
          Double v = num(p, "rtt_p" + q + "_us");
          Double d = num(direct, "rtt_p" + q + "_us");
          if (v != null && d != null) {
            p.setProperty("added_rtt_p" + q + "_us", fmt(v - d));
          }
        }
      }
    }
    StringBuilder sb = new StringBuilder("| measurement |");
    for (String name : names) {
      sb.append(' ').append(label(name)).append(" |");
    }
    sb.append(" ").append(label(subject)).append(" ÷ direct | ").append(label(subject));
    sb.append(" ÷ best peer |\n|---|");
    sb.append("---:|".repeat(names.size() + 2)).append('\n');
    for (Row row : ROWS) {
      sb.append("| ").append(row.label()).append(" |");
      for (String name : names) {
        Double v = results.containsKey(name) ? num(results.get(name), row.key()) : null;
        sb.append(' ').append(v == null ? "—" : show(v)).append(" |");
      }
      Double s = results.containsKey(subject) ? num(results.get(subject), row.key()) : null;
      Double d = direct == null ? null : num(direct, row.key());
      sb.append(' ').append(ratio(s, d)).append(" |");
      String best = null;
      Double bestValue = null;
      for (String name : names.subList(1, names.size() - 1)) {
        Double v = results.containsKey(name) ? num(results.get(name), row.key()) : null;
        if (v != null
            && (bestValue == null || (row.higherIsBetter() ? v > bestValue : v < bestValue))) {
          best = name;
          bestValue = v;
        }
      }
      sb.append(' ')
          .append(best == null ? "—" : ratio(s, bestValue) + " (" + label(best) + ")")
          .append(" |\n");
    }
    if (!notes.isEmpty()) {
      sb.append('\n').append(String.join("\n", notes)).append('\n');
    }
    return sb.toString();
  }

  private static String label(String name) {
    return LABELS.getOrDefault(name, name);
  }

  private static Double num(Properties p, String key) {
    String v = p.getProperty(key);
    return v == null ? null : Double.valueOf(v);
  }

  static String show(double v) {
    return String.format(
        Locale.ROOT, Math.abs(v) >= 100 ? "%.0f" : Math.abs(v) >= 10 ? "%.1f" : "%.2f", v);
  }

  static String ratio(Double a, Double b) {
    if (a == null || b == null || b <= 0 || a < 0) {
      return "—";
    }
    return String.format(Locale.ROOT, "%.2f×", a / b);
  }
}
