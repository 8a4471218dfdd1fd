package dev.ferry.gateway.config;

import java.time.Duration;

/**
 * Session limits of a proxy.
 *
 * @param maxSessions concurrent tunnels to the proxy, 0 = no cap
 * @param maxSessionsPerUser concurrent tunnels per user, 0 = no cap
 * @param idleTimeout no DATA bytes either way for this long ends the session (default 30m)
 * @param maxDuration longest session (default 12h)
 * @param connectTimeout upstream connect timeout (default 10s)
 * @param endWithToken the session ends when its token expires (default true)
 */
public record Limits(
    int maxSessions,
    int maxSessionsPerUser,
    Duration idleTimeout,
    Duration maxDuration,
    Duration connectTimeout,
    boolean endWithToken) {

  public static Limits defaults() {
    return new Limits(
        0, 0, Duration.ofMinutes(30), Duration.ofHours(12), Duration.ofSeconds(10), true);
  }
}
