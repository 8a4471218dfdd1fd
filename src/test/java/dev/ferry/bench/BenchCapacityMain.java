package dev.ferry.bench;

import dev.ferry.client.tunnel.GatewayEndpoint;
import dev.ferry.client.tunnel.Tunnel;
import dev.ferry.client.tunnel.TunnelConnector;
import dev.ferry.tunnel.net.DaemonThreadFactory;
import dev.ferry.tunnel.net.Transport;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The capacity figure of {@code bench/run.sh}: how many tunnels one gateway holds open at once.
 * Opens tunnels straight through the client core ({@link TunnelConnector}, one WebSocket each, 32
 * upgrades in flight) rather than through {@code ferry connect}, whose forwarder would need two
 * descriptors per tunnel on top of the load client's: the gateway's own two per tunnel (WebSocket
 * and upstream) are then the only thing near the descriptor limit. Each tunnel is carried to the
 * SESSION frame, so the gateway has authorized it and connected the target; then it stays idle.
 * Stops at MAX tunnels, at the first failure (whose reason it reports) or after SECONDS, then reads
 * the gateway's heap after a full GC (against the same before the first tunnel) and its PSS ({@code
 * bench.jvmPid}), and closes all.
 *
 * <p>Usage: {@code BenchCapacityMain GATEWAY_URL PROXY TOKEN_FILE MAX SECONDS OUT_FILE}; writes
 * {@code key=value} lines ({@code capacity_*}) to OUT_FILE.
 */
public final class BenchCapacityMain {
  private static final int IN_FLIGHT = 32;
  private static final long OPEN_TIMEOUT_S = 20;
  private static final int RELEASE_BEFORE_JCMD = 64;

  private BenchCapacityMain() {}

  public static void main(String[] args) throws Exception {
    GatewayEndpoint endpoint = GatewayEndpoint.parse(args[0]);
    String proxy = args[1];
    String token = Files.readString(Path.of(args[2])).trim();
    int max = Integer.parseInt(args[3]);
    long seconds = Long.parseLong(args[4]);
    Path out = Path.of(args[5]);
    long gateway = Long.getLong("bench.jvmPid", 0);

    Transport transport = Transport.best();
    EventLoopGroup group = transport.newGroup(2, DaemonThreadFactory.named("bench-capacity"));
    ConcurrentLinkedQueue<Tunnel> open = new ConcurrentLinkedQueue<>();
    AtomicReference<String> failure = new AtomicReference<>();
    Semaphore window = new Semaphore(IN_FLIGHT);
    Map<String, String> r = new LinkedHashMap<>();
    try (TunnelConnector connector = new TunnelConnector(endpoint, null, transport, group)) {
      warmUp(connector, proxy, token);
      long heap0 = gateway > 0 ? ProcStats.heapUsedAfterGcKiB(gateway) : 0;
      long start = System.nanoTime();
      long end = start + TimeUnit.SECONDS.toNanos(seconds);
      int started = 0;
      while (started < max && failure.get() == null && System.nanoTime() < end) {
        if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
          continue;
        }
        started++;
        connector
            .open(proxy, token)
            .orTimeout(OPEN_TIMEOUT_S, TimeUnit.SECONDS)
            .whenComplete(
                (t, e) -> {
                  if (e == null) {
                    open.add(t);
                  } else {
                    failure.compareAndSet(null, reason(e));
                  }
                  window.release();
                });
      }
      // Let the upgrades in flight finish (each is bounded by OPEN_TIMEOUT_S).
      window.tryAcquire(IN_FLIGHT, OPEN_TIMEOUT_S + 5, TimeUnit.SECONDS);
      double took = (System.nanoTime() - start) / 1e9;
      if (failure.get() == null && open.size() < max) {
        failure.set("stopped after " + seconds + " s with " + open.size() + " tunnels open");
      }
      int n = open.size();
      r.put("capacity_tunnels", Integer.toString(n));
      r.put("capacity_limit", Integer.toString(max));
      r.put("capacity_seconds", fmt(took));
      r.put("capacity_failure", failure.get() == null ? "none" : failure.get());
      if (gateway > 0 && n > 0) {
        // After a failure the gateway may be out of descriptors, and jcmd's attach needs some:
        // give back a few tunnels first, and count the heap over those still open.
        for (int i = 0; i < RELEASE_BEFORE_JCMD && failure.get() != null && open.size() > 1; i++) {
          open.poll().close();
        }
        Thread.sleep(500);
        try {
          long heap = ProcStats.heapUsedAfterGcKiB(gateway);
          r.put("capacity_heap_used_mib", fmt(heap / 1024.0));
          r.put("capacity_heap_kib", fmt((heap - heap0) / (double) open.size()));
        } catch (java.io.IOException e) {
          r.put("capacity_heap_note", e.getMessage().replace('\n', ' '));
        }
        r.put("capacity_pss_mib", fmt(ProcStats.pssKiB(List.of(gateway)) / 1024.0));
      }
    } finally {
      for (Tunnel t : open) {
        t.close();
      }
      group.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(30, TimeUnit.SECONDS);
    }
    StringBuilder sb = new StringBuilder();
    r.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    Files.writeString(out, sb.toString());
    System.out.print(sb);
  }

  /**
   * One tunnel opened and closed first, so that the gateway has the provider's keys: a fresh
   * gateway on a loaded machine can time out its first discovery, and then waits out a 30 s
   * cool-down before it tries again (three tries at most).
   */
  private static void warmUp(TunnelConnector connector, String proxy, String token)
      throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        connector.open(proxy, token).get(OPEN_TIMEOUT_S * 2, TimeUnit.SECONDS).close();
        return;
      } catch (ExecutionException | TimeoutException e) {
        if (attempt == 3) {
          throw e;
        }
        System.err.println("warm-up tunnel, try " + attempt + ": " + reason(e));
        Thread.sleep(31_000);
      }
    }
  }

  private static String reason(Throwable e) {
    Throwable c =
        (e instanceof CompletionException || e instanceof ExecutionException)
                && e.getCause() != null
            ? e.getCause()
            : e;
    if (c instanceof TimeoutException) {
      return "no SESSION within " + OPEN_TIMEOUT_S + " s";
    }
    return (c.getClass().getSimpleName() + ": " + c.getMessage()).replace('\n', ' ');
  }

  private static String fmt(double d) {
    return String.format(Locale.ROOT, "%.3f", d);
  }
}
