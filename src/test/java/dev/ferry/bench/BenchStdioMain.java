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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The {@code ferry stdio} path of {@code bench/run.sh}: one stream through one process's standard
 * input and output, as ssh uses a ProxyCommand. {@link BenchClientMain} opens a connection per
 * figure, which a process that carries exactly one connection cannot serve; this driver runs one
 * session of requests ({@link BenchTargetMain}'s mode {@code 'M'}) over the one stream instead.
 *
 * <p>{@code BenchStdioMain measure OUT BYTES exec COMMAND ARG...}: starts COMMAND (its standard
 * error is inherited), times from the start to the first byte echoed (JVM start, token, tunnel
 * open), then moves an untimed warm-up of an eighth of BYTES (at most 64 MiB) each way, then one
 * timed download and one timed upload of BYTES, closes the command's input and expects it to exit 0
 * (the tunnel's orderly end). {@code ... port PORT}: the same session over a TCP connection (for
 * {@code ferry connect} or a relay, so that both sides of a ratio come from the same driver).
 * Writes {@code key=value} lines to OUT; exits non-zero when a byte is missing or the command does
 * not end cleanly, so a broken {@code ferry stdio} fails the harness's smoke run. CPU seconds per
 * GiB over the timed transfers, from /proc: of the client side (the stdio process, or {@code
 * bench.clientPids}) and of {@code bench.serverPids} (the gateway); {@code bench.clkTck} as in
 * {@link BenchClientMain}.
 *
 * <p>{@code BenchStdioMain report DIR}: the Markdown table of the runs in {@code DIR/stdio-runs/}
 * ({@code NN-LABEL.txt}; LABEL connect, stdio or stdio-OTHERJAR), each column the median of its
 * runs, next to the one-tunnel figures of {@code DIR/socat2.txt} (socat has no JIT to warm, and its
 * figures come from {@link BenchClientMain}), then every run in order.
 */
public final class BenchStdioMain {
  private static final long EXIT_WAIT_S = 30;

  private BenchStdioMain() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "measure" -> measure(args);
      case "report" -> System.out.print(report(Path.of(args[1])));
      default ->
          throw new IllegalArgumentException(
              "usage: measure OUT BYTES (exec COMMAND... | port PORT) | report DIR");
    }
  }

  private static void measure(String[] args) throws Exception {
    Path out = Path.of(args[1]);
    long bytes = Long.parseLong(args[2]);
    Map<String, String> r;
    if (args[3].equals("port")) {
      try (Socket s = new Socket()) {
        long start = System.nanoTime();
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[4])), 10_000);
        s.setSoTimeout(120_000);
        r = session(s.getInputStream(), s.getOutputStream(), bytes, start, cpu(List.of()));
        s.shutdownOutput();
        expectEnd(s.getInputStream());
      }
    } else if (args[3].equals("exec")) {
      List<String> command = List.of(args).subList(4, args.length);
      long start = System.nanoTime();
      Process p =
          new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      try {
        r = session(p.getInputStream(), p.getOutputStream(), bytes, start, cpu(List.of(p.pid())));
        p.getOutputStream().close();
        expectEnd(p.getInputStream());
        if (!p.waitFor(EXIT_WAIT_S, TimeUnit.SECONDS)) {
          throw new IOException("the command did not exit within " + EXIT_WAIT_S + " s");
        }
        if (p.exitValue() != 0) {
          throw new IOException("the command exited with " + p.exitValue());
        }
      } finally {
        p.destroyForcibly();
      }
    } else {
      throw new IllegalArgumentException("exec COMMAND... or port PORT, not " + args[3]);
    }
    StringBuilder sb = new StringBuilder();
    r.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    Files.writeString(out, sb.toString());
    System.out.print(sb);
  }

  /**
   * CPU seconds so far of the client side ({@code bench.clientPids}, else {@code self}: the stdio
   * process) and of the gateway ({@code bench.serverPids}), for the figures per GiB.
   */
  private static CpuMeter cpu(List<Long> self) {
    int clk = Integer.getInteger("bench.clkTck", 100);
    List<Long> client = ProcStats.pids(System.getProperty("bench.clientPids"));
    List<Long> clientPids = client.isEmpty() ? self : client;
    List<Long> server = ProcStats.pids(System.getProperty("bench.serverPids"));
    return () ->
        new double[] {
          clientPids.isEmpty() ? Double.NaN : ProcStats.cpuSeconds(clientPids, clk),
          server.isEmpty() ? Double.NaN : ProcStats.cpuSeconds(server, clk)
        };
  }

  /** CPU seconds of the client side and of the gateway (NaN for one not known). */
  interface CpuMeter {
    double[] read();
  }

  /**
   * One session of requests over a stream to {@link BenchTargetMain}: the first byte echoed (timed
   * from {@code start}), the warm-up, then the timed download and upload and the CPU both sides
   * spent on them.
   */
  static Map<String, String> session(
      InputStream in, OutputStream out, long bytes, long start, CpuMeter cpu) throws IOException {
    Map<String, String> r = new LinkedHashMap<>();
    out.write('M');
    out.write('S');
    out.flush();
    if (in.read() != 'S') {
      throw new IOException("no first byte echoed");
    }
    r.put("first_byte_ms", fmt((System.nanoTime() - start) / 1e6));
    long warm = Math.min(bytes / 8, 64L << 20);
    download(in, out, warm);
    upload(in, out, warm);
    r.put("bytes", Long.toString(bytes));
    double[] cpu0 = cpu.read();
    r.put("download_gbps", fmt(BenchClientMain.gbps(bytes, download(in, out, bytes))));
    r.put("upload_gbps", fmt(BenchClientMain.gbps(bytes, upload(in, out, bytes))));
    double[] cpu1 = cpu.read();
    double gib = 2.0 * bytes / (1L << 30);
    String[] keys = {"client_cpu_s_per_gib", "server_cpu_s_per_gib"};
    for (int i = 0; i < keys.length; i++) {
      if (!Double.isNaN(cpu1[i])) {
        r.put(keys[i], fmt((cpu1[i] - cpu0[i]) / gib));
      }
    }
    return r;
  }

  /** Nanoseconds from the request to the last of n bytes received. */
  private static long download(InputStream in, OutputStream out, long n) throws IOException {
    byte[] buf = new byte[256 * 1024];
    long start = System.nanoTime();
    request(out, 'D', n);
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

  /** Nanoseconds from the request to the target's receipt of all n bytes. */
  private static long upload(InputStream in, OutputStream out, long n) throws IOException {
    byte[] buf = new byte[256 * 1024];
    for (int i = 0; i < buf.length; i++) {
      buf[i] = (byte) (i * 17 + 3);
    }
    long start = System.nanoTime();
    request(out, 'U', n);
    for (long left = n; left > 0; ) {
      int k = (int) Math.min(buf.length, left);
      out.write(buf, 0, k);
      left -= k;
    }
    out.flush();
    if (in.read() != 'K') {
      throw new IOException("upload: no receipt from the target");
    }
    return System.nanoTime() - start;
  }

  private static void request(OutputStream out, char mode, long n) throws IOException {
    DataOutputStream d = new DataOutputStream(out);
    d.write(mode);
    d.writeLong(n);
    d.flush();
  }

  /** After the input's end the target closes: the stream must end with no byte left over. */
  private static void expectEnd(InputStream in) throws IOException {
    int b = in.read();
    if (b >= 0) {
      throw new IOException("a byte after the session: " + b);
    }
  }

  private static String fmt(double d) {
    return String.format(Locale.ROOT, "%.3f", d);
  }

  // ---- reporting -------------------------------------------------------------------------

  static String report(Path dir) throws IOException {
    Properties socat = load(dir.resolve("socat2.txt"));
    // Runs are named NN-LABEL: connect, stdio, stdio-OTHERJAR; each column is its runs' median.
    Map<String, List<Properties>> byLabel = new LinkedHashMap<>();
    byLabel.put("connect", new ArrayList<>());
    byLabel.put("stdio", new ArrayList<>());
    List<String> lines = new ArrayList<>();
    Path runs = dir.resolve("stdio-runs");
    if (Files.isDirectory(runs)) {
      List<Path> files;
      try (Stream<Path> list = Files.list(runs)) {
        files = list.filter(f -> f.toString().endsWith(".txt")).sorted().toList();
      }
      for (Path f : files) {
        Properties p = load(f);
        String name = f.getFileName().toString().replaceFirst("\\.txt$", "");
        byLabel.computeIfAbsent(name.replaceFirst("^[0-9]+-", ""), k -> new ArrayList<>()).add(p);
        lines.add(
            "| "
                + name
                + " | "
                + show(num(p, "download_gbps"))
                + " | "
                + show(num(p, "upload_gbps"))
                + " | "
                + show(num(p, "client_cpu_s_per_gib"))
                + " | "
                + show(num(p, "server_cpu_s_per_gib"))
                + " | "
                + show(num(p, "first_byte_ms"))
                + " |");
      }
    }
    List<String> others =
        byLabel.keySet().stream().filter(k -> !k.equals("connect") && !k.equals("stdio")).toList();
    StringBuilder sb =
        new StringBuilder("| one stream | socat 2 hops | Ferry (connect) | ferry stdio |");
    others.forEach(o -> sb.append(' ').append(o).append(" |"));
    sb.append(" stdio ÷ connect | stdio ÷ socat 2 hops |");
    others.forEach(o -> sb.append(" stdio ÷ ").append(o).append(" |"));
    sb.append("\n|---|").append("---:|".repeat(5 + 2 * others.size())).append('\n');
    for (String[] row :
        List.of(
            new String[] {"download_gbps", "download (Gbit/s)"},
            new String[] {"upload_gbps", "upload (Gbit/s)"},
            new String[] {"client_cpu_s_per_gib", "client process CPU-seconds per GiB"},
            new String[] {"server_cpu_s_per_gib", "gateway CPU-seconds per GiB"},
            new String[] {"first_byte_ms", "process start → first byte echoed (ms)"})) {
      boolean ratios = !row[0].equals("first_byte_ms");
      Double s = row[0].endsWith("_gbps") ? num(socat, row[0]) : null;
      Double c = median(byLabel.get("connect"), row[0]);
      Double t = median(byLabel.get("stdio"), row[0]);
      sb.append("| ").append(row[1]).append(" | ").append(show(s)).append(" | ").append(show(c));
      sb.append(" | ").append(show(t)).append(" |");
      others.forEach(o -> sb.append(' ').append(show(median(byLabel.get(o), row[0]))).append(" |"));
      sb.append(' ').append(ratios ? BenchClientMain.ratio(t, c) : "—").append(" |");
      sb.append(' ').append(s != null ? BenchClientMain.ratio(t, s) : "—").append(" |");
      for (String o : others) {
        Double v = median(byLabel.get(o), row[0]);
        sb.append(' ').append(ratios ? BenchClientMain.ratio(t, v) : "—").append(" |");
      }
      sb.append('\n');
    }
    if (!lines.isEmpty()) {
      sb.append("\nEvery run, in order:\n\n")
          .append("| run | download (Gbit/s) | upload (Gbit/s) | client CPU-s/GiB |")
          .append(" gateway CPU-s/GiB | first byte (ms) |\n")
          .append("|---|---:|---:|---:|---:|---:|\n")
          .append(String.join("\n", lines))
          .append('\n');
    }
    return sb.toString();
  }

  /** The median of a figure over runs; null if no run has it. */
  private static Double median(List<Properties> runs, String key) {
    List<Double> v = runs.stream().map(p -> num(p, key)).filter(x -> x != null).sorted().toList();
    int n = v.size();
    return n == 0 ? null : (v.get((n - 1) / 2) + v.get(n / 2)) / 2;
  }

  private static Properties load(Path file) throws IOException {
    Properties p = new Properties();
    if (Files.exists(file)) {
      try (var r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p.load(r);
      }
    }
    return p;
  }

  private static Double num(Properties p, String key) {
    String v = p.getProperty(key);
    return v == null ? null : Double.valueOf(v);
  }

  private static String show(Double v) {
    return v == null ? "—" : BenchClientMain.show(v);
  }
}
