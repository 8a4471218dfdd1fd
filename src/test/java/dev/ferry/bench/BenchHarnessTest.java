package dev.ferry.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** The harness's own arithmetic and /proc readings (no figure is asserted: no times, no speeds). */
class BenchHarnessTest {
  @Test
  void reportsRatiosToDirectAndToTheBestPeerPerRow(@TempDir Path dir) throws Exception {
    Files.writeString(
        dir.resolve("direct.txt"), "download_gbps=10\nrtt_p50_us=20\ntunnels_per_s=1000\n");
    Files.writeString(
        dir.resolve("socat1.txt"),
        "download_gbps=4\nrtt_p50_us=60\ntunnels_per_s=800\nserver_cpu_s_per_gib=1.5\n");
    Files.writeString(
        dir.resolve("wstunnel.txt"),
        "download_gbps=5\nrtt_p50_us=90\ntunnels_per_s=50\nserver_cpu_s_per_gib=2\n");
    Files.writeString(dir.resolve("websockify.skip"), "no client pairs with it here");
    Files.writeString(
        dir.resolve("ferry.txt"),
        "download_gbps=2.5\nrtt_p50_us=80\ntunnels_per_s=100\nserver_cpu_s_per_gib=3\n"
            + "capacity_tunnels=9975\n");

    String table =
        BenchClientMain.report(dir, List.of("direct", "socat1", "websockify", "wstunnel", "ferry"));

    // Higher is better: the best peer is the fastest (wstunnel 5), lower is better: socat's 60 µs.
    assertThat(table).contains("| download, one tunnel (Gbit/s) | 10.0 | 4.00 | — | 5.00 | 2.50 |");
    assertThat(table).contains("| 0.25× | 0.50× (wstunnel (npm)) |");
    assertThat(table).contains("| 4.00× | 1.33× (socat 1 hop) |");
    assertThat(table)
        .contains("| added RTT p50 over direct (µs) | 0.00 | 40.0 | — | 70.0 | 60.0 |");
    assertThat(table)
        .contains("| new tunnels per second, 8 openers | 1000 | 800 | — | 50.0 | 100 |");
    // No direct figure for a relay's CPU: no ratio to direct, but one to the leanest peer.
    assertThat(table)
        .contains("| gateway-side relay CPU-seconds per GiB | — | 1.50 | — | 2.00 | 3.00 | — |")
        .contains("2.00× (socat 1 hop)");
    assertThat(table).contains("| most concurrent tunnels, one gateway, -Xmx1g |");
    assertThat(table).contains("- websockify: not measured — no client pairs with it here");
  }

  @Test
  void stdioDriverRunsItsSessionOverOneStreamAndTheTargetEndsItAtTheInputsEnd() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread target =
          new Thread(
              () -> {
                try {
                  BenchTargetMain.serve(server.accept());
                } catch (Exception e) {
                  // the test fails on the client's side
                }
              });
      target.setDaemon(true);
      target.start();
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(server.getInetAddress(), server.getLocalPort()), 10_000);
        s.setSoTimeout(60_000);
        // 1 MiB each way after a 128 KiB warm-up: every byte must arrive, or session() throws.
        Map<String, String> r =
            BenchStdioMain.session(
                s.getInputStream(), s.getOutputStream(), 1 << 20, 0, () -> new double[] {1, 0});
        assertThat(r)
            .containsKeys("first_byte_ms", "download_gbps", "upload_gbps", "client_cpu_s_per_gib")
            .containsEntry("bytes", Integer.toString(1 << 20));
        s.shutdownOutput();
        InputStream in = s.getInputStream();
        assertThat(in.read()).isEqualTo(-1);
      }
      target.join(60_000);
      assertThat(target.isAlive()).isFalse();
    }
  }

  @Test
  void stdioReportTakesTheMedianOfEachLabelsRunsAndListsEveryRun(@TempDir Path dir)
      throws Exception {
    Files.writeString(dir.resolve("socat2.txt"), "download_gbps=4\nupload_gbps=4\n");
    Path runs = Files.createDirectories(dir.resolve("stdio-runs"));
    Files.writeString(runs.resolve("01-connect.txt"), "download_gbps=3\nupload_gbps=2\n");
    Files.writeString(
        runs.resolve("02-stdio.txt"), "download_gbps=1\nupload_gbps=2\nfirst_byte_ms=800\n");
    Files.writeString(
        runs.resolve("03-stdio-old.txt"), "download_gbps=1\nupload_gbps=1\nfirst_byte_ms=700\n");
    Files.writeString(runs.resolve("04-connect.txt"), "download_gbps=3\nupload_gbps=4\n");
    Files.writeString(
        runs.resolve("05-stdio.txt"), "download_gbps=2\nupload_gbps=2\nfirst_byte_ms=1000\n");
    Files.writeString(
        runs.resolve("06-stdio.txt"), "download_gbps=3\nupload_gbps=5\nfirst_byte_ms=900\n");

    String table = BenchStdioMain.report(dir);

    // stdio: medians 2 (of 1, 2, 3) and 2 (of 2, 2, 5); connect 3 and 3 (of 2 and 4).
    assertThat(table)
        .contains("| download (Gbit/s) | 4.00 | 3.00 | 2.00 | 1.00 | 0.67× | 0.50× | 2.00× |");
    assertThat(table)
        .contains("| upload (Gbit/s) | 4.00 | 3.00 | 2.00 | 1.00 | 0.67× | 0.50× | 2.00× |");
    assertThat(table)
        .contains("| process start → first byte echoed (ms) | — | — | 900 | 700 | — | — | — |");
    assertThat(table)
        .contains("| client process CPU-seconds per GiB | — | — | — | — | — | — | — |");
    assertThat(table.indexOf("| 01-connect | 3.00 | 2.00 | — | — | — |"))
        .isPositive()
        .isLessThan(table.indexOf("| 03-stdio-old | 1.00 | 1.00 | — | — | 700 |"));
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void readsCpuAndMemoryOfALiveProcessFromProc() {
    List<Long> self = List.of(ProcessHandle.current().pid());
    assertThat(ProcStats.cpuSeconds(self, 100)).isPositive();
    assertThat(ProcStats.pssKiB(self)).isPositive();
    assertThat(ProcStats.pids(" 1, 2,,3 ")).containsExactly(1L, 2L, 3L);
    assertThat(ProcStats.pids(null)).isEmpty();
  }
}
