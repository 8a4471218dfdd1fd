package dev.ferry.gateway.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts connections that have not yet become a tunnel (pre-authentication), for one gateway, and
 * what the {@link HandshakeGuard}s refused. A slot is taken when a connection is accepted and given
 * back when it becomes a tunnel or closes.
 */
final class PendingHandshakes {
  private final AtomicInteger pending = new AtomicInteger();
  private final MeterRegistry registry;
  private final Counter timeouts;

  PendingHandshakes(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("ferry.handshakes.pending", pending, AtomicInteger::get)
        .description("connections accepted that are not (yet) a tunnel")
        .register(registry);
    this.timeouts =
        Counter.builder("ferry.handshake.timeouts")
            .description("connections closed for not completing a request within the deadline")
            .register(registry);
  }

  /** Takes a slot; false (and nothing taken) when {@code max} are already pending. */
  boolean tryEnter(int max) {
    while (true) {
      int n = pending.get();
      if (n >= max) {
        return false;
      }
      if (pending.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  void leave() {
    pending.decrementAndGet();
  }

  int pending() {
    return pending.get();
  }

  void timedOut() {
    timeouts.increment();
  }

  /** A connection refused before any request was handled; reason is a short tag. */
  void rejected(String reason) {
    Counter.builder("ferry.handshake.rejected")
        .description("connections refused before a request was handled, by reason")
        .tag("reason", reason)
        .register(registry)
        .increment();
  }
}
