package dev.ferry.gateway.metrics;

import dev.ferry.gateway.config.ProxyConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * The gateway's meters (DESIGN §4). Proxy labels are only ever configured proxy names (or "-"), so
 * a caller cannot grow the label set by asking for made-up proxies.
 */
public final class GatewayMetrics {
  /** Label for requests that name no configured proxy, or one the caller may not see. */
  public static final String NO_PROXY = "-";

  private final MeterRegistry registry;
  private final Map<String, PerProxy> proxies = new ConcurrentHashMap<>();
  private final Timer setup;
  private final AtomicLong lastReloadMillis = new AtomicLong(System.currentTimeMillis());
  private volatile ToIntFunction<String> waiting = proxy -> 0;

  public GatewayMetrics(MeterRegistry registry, List<ProxyConfig> configured) {
    this.registry = registry;
    configured(configured);
    this.setup =
        Timer.builder("ferry.tunnel.setup")
            .description("time from tunnel request to 101 Switching Protocols")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(30))
            .register(registry);
    Gauge.builder(
            "ferry.config.last.reload.success.timestamp", lastReloadMillis, ms -> ms.get() / 1000.0)
        .description("when the config in use was loaded (initial load or last good reload)")
        .baseUnit("seconds")
        .register(registry);
    // Both results exist from the start, so that dashboards can rate() them before any reload.
    for (String result : List.of("ok", "invalid")) {
      reloads(result);
    }
  }

  private Counter reloads(String result) {
    return Counter.builder("ferry.config.reloads")
        .description("config file reloads by result (ok, invalid)")
        .tag("result", result)
        .register(registry);
  }

  /**
   * Adds the meters of proxies a reload brought in. Meters of removed proxies stay: their totals
   * remain true, and the label set still only holds names that were configured at some point.
   */
  public void configured(List<ProxyConfig> configured) {
    configured.forEach(p -> proxies.computeIfAbsent(p.name(), PerProxy::new));
  }

  /**
   * A config reload was tried; {@code result} is "ok" or "invalid". The gauge {@code
   * ferry_config_last_reload_success_timestamp_seconds} starts at the initial load.
   */
  public void configReload(String result) {
    if ("ok".equals(result)) {
      lastReloadMillis.set(System.currentTimeMillis());
    }
    reloads(result).increment();
  }

  /**
   * Where {@code ferry_sessions_waiting{proxy}} reads how many sessions of a proxy hold a slot
   * without a WebSocket, waiting for a resume (the session limiter knows).
   */
  public void waitingFrom(ToIntFunction<String> source) {
    this.waiting = source;
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** A session was established (101 sent). */
  public void sessionStarted(String proxy) {
    PerProxy p = proxies.get(proxy);
    if (p != null) {
      p.active.incrementAndGet();
    }
  }

  /** An established session ended; result is "ok" or the close tag. */
  public void sessionEnded(String proxy, String result) {
    PerProxy p = proxies.get(proxy);
    if (p != null) {
      p.active.decrementAndGet();
    }
    total(proxy, result).increment();
  }

  /** A tunnel request was refused before the upgrade; result is the TunnelError tag. */
  public void refused(String proxyOrNull, String result) {
    total(proxyOrNull, result).increment();
  }

  /**
   * A resume attempt or a session waiting for one ended: {@code ok}, {@code refused}, {@code
   * timeout} or {@code superseded} (its slot went to a new tunnel of the same user).
   */
  public void resume(String proxyOrNull, String result) {
    Counter.builder("ferry.session.resumes")
        .tag("proxy", proxyOrNull == null ? NO_PROXY : proxyOrNull)
        .tag("result", result)
        .register(registry)
        .increment();
  }

  public void authFailure(String reason) {
    Counter.builder("ferry.auth.failures").tag("reason", reason).register(registry).increment();
  }

  public void setupTime(long nanos) {
    setup.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Bytes from the client to the target. */
  public Counter bytesUp(String proxy) {
    return proxies.get(proxy).up;
  }

  /** Bytes from the target to the client. */
  public Counter bytesDown(String proxy) {
    return proxies.get(proxy).down;
  }

  private Counter total(String proxy, String result) {
    String label = proxy != null && proxies.containsKey(proxy) ? proxy : NO_PROXY;
    return Counter.builder("ferry.sessions")
        .description("tunnels by proxy and result")
        .tag("proxy", label)
        .tag("result", result)
        .register(registry);
  }

  private final class PerProxy {
    final AtomicInteger active = new AtomicInteger();
    final Counter up;
    final Counter down;

    PerProxy(String name) {
      Gauge.builder("ferry.sessions.active", active, AtomicInteger::get)
          .description("tunnels open now")
          .tag("proxy", name)
          .register(registry);
      Gauge.builder("ferry.sessions.waiting", () -> waiting.applyAsInt(name))
          .description("tunnels whose WebSocket dropped, waiting for a resume (counted in caps)")
          .tag("proxy", name)
          .register(registry);
      Function<String, Counter> bytes =
          direction ->
              Counter.builder("ferry.bytes")
                  .description("bytes relayed, up = client to target")
                  .tag("proxy", name)
                  .tag("direction", direction)
                  .register(registry);
      up = bytes.apply("up");
      down = bytes.apply("down");
    }
  }
}
