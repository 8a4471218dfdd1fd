package dev.ferry.gateway.policy;

import dev.ferry.gateway.config.ProxyConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Concurrent-session caps per proxy and per user of a proxy. Both counts are taken together under
 * one lock per proxy, so parallel opens can never overshoot either cap, and a {@link Permit} gives
 * its slot back exactly once however often it is released.
 */
public final class SessionLimiter {

  /** The answer of {@link #tryAcquire}: a permit or a refusal. */
  public sealed interface Decision permits Permit, Refusal {}

  /** A taken slot; release it when the session ends or its setup fails. Idempotent. */
  public static final class Permit implements Decision {
    private final Runnable release;
    private final AtomicBoolean released = new AtomicBoolean();

    Permit(Runnable release) {
      this.release = release;
    }

    public void release() {
      if (released.compareAndSet(false, true)) {
        release.run();
      }
    }
  }

  /** Why no slot was given, in words for the problem detail. */
  public record Refusal(String detail) implements Decision {}

  private final Map<String, Counts> counts = new ConcurrentHashMap<>();

  /**
   * Takes a slot for {@code user} on {@code proxy}.
   *
   * @return the permit, or a refusal naming the cap that is reached
   */
  public Decision tryAcquire(ProxyConfig proxy, String user) {
    Counts c = counts.computeIfAbsent(proxy.name(), k -> new Counts());
    int max = proxy.limits().maxSessions();
    int maxPerUser = proxy.limits().maxSessionsPerUser();
    synchronized (c) {
      if (max > 0 && c.total >= max) {
        return new Refusal(
            "limit reached: proxy "
                + proxy.name()
                + " allows at most "
                + max
                + " concurrent sessions");
      }
      int mine = c.perUser.getOrDefault(user, 0);
      if (maxPerUser > 0 && mine >= maxPerUser) {
        return new Refusal(
            "limit reached: proxy "
                + proxy.name()
                + " allows at most "
                + maxPerUser
                + " sessions per user");
      }
      c.total++;
      c.perUser.put(user, mine + 1);
    }
    return new Permit(
        () -> {
          synchronized (c) {
            c.total--;
            c.perUser.computeIfPresent(user, (u, n) -> n <= 1 ? null : n - 1);
          }
        });
  }

  /** Sessions currently counted against {@code proxy}. */
  public int active(String proxy) {
    Counts c = counts.get(proxy);
    if (c == null) {
      return 0;
    }
    synchronized (c) {
      return c.total;
    }
  }

  private static final class Counts {
    int total;
    final Map<String, Integer> perUser = new HashMap<>();
  }
}
