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
 * @param resumeWindow how long a session whose WebSocket dropped waits for the client to resume it
 *     (default 60s); zero disables resume for the proxy
 */
public record Limits(
    int maxSessions,
    int maxSessionsPerUser,
    Duration idleTimeout,
    Duration maxDuration,
    Duration connectTimeout,
    boolean endWithToken,
    Duration resumeWindow) {

  /** The default {@link #resumeWindow}. */
  public static final Duration DEFAULT_RESUME_WINDOW = Duration.ofSeconds(60);

  /** Limits with the default resume window. */
  public Limits(
      int maxSessions,
      int maxSessionsPerUser,
      Duration idleTimeout,
      Duration maxDuration,
      Duration connectTimeout,
      boolean endWithToken) {
    this(
        maxSessions,
        maxSessionsPerUser,
        idleTimeout,
        maxDuration,
        connectTimeout,
        endWithToken,
        DEFAULT_RESUME_WINDOW);
  }

  public static Limits defaults() {
    return new Limits(
        0, 0, Duration.ofMinutes(30), Duration.ofHours(12), Duration.ofSeconds(10), true);
  }

  /** The same limits with another resume window. */
  public Limits withResumeWindow(Duration window) {
    return new Limits(
        maxSessions,
        maxSessionsPerUser,
        idleTimeout,
        maxDuration,
        connectTimeout,
        endWithToken,
        window);
  }
}
