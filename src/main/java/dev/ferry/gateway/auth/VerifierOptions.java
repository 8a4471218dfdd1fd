package dev.ferry.gateway.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Tuning for {@link OidcTokenVerifier}. Start from {@link #defaults()} and change what you need.
 *
 * @param clockSkew leeway for {@code exp} and {@code nbf}; at most 60 s so that a skewed clock
 *     cannot stretch a token's life noticeably
 * @param refetchCooldown minimum time between fetch attempts per issuer: after a failed discovery,
 *     and between JWKS fetches (an unknown {@code kid} causes at most one refetch per cool-down)
 * @param jwksCacheTtl how long fetched keys are used before they are fetched again
 * @param outageTolerance how long the last good keys keep serving while the JWKS endpoint fails
 * @param connectTimeout HTTP connect timeout for discovery and JWKS
 * @param readTimeout HTTP read timeout for discovery and JWKS
 * @param clock time source for claim checks, cool-downs and the decision cache
 * @param executor runs the blocking part of verification (fetches, signature checks); null means a
 *     small bounded daemon pool owned (and closed) by the verifier
 */
public record VerifierOptions(
    Duration clockSkew,
    Duration refetchCooldown,
    Duration jwksCacheTtl,
    Duration outageTolerance,
    Duration connectTimeout,
    Duration readTimeout,
    Clock clock,
    Executor executor) {

  public static final Duration MAX_CLOCK_SKEW = Duration.ofSeconds(60);

  public VerifierOptions {
    Objects.requireNonNull(clockSkew, "clockSkew");
    Objects.requireNonNull(refetchCooldown, "refetchCooldown");
    Objects.requireNonNull(jwksCacheTtl, "jwksCacheTtl");
    Objects.requireNonNull(outageTolerance, "outageTolerance");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(readTimeout, "readTimeout");
    Objects.requireNonNull(clock, "clock");
    if (clockSkew.isNegative() || clockSkew.compareTo(MAX_CLOCK_SKEW) > 0) {
      throw new IllegalArgumentException("clockSkew must be between 0 and 60 s: " + clockSkew);
    }
    requirePositive(refetchCooldown, "refetchCooldown");
    requirePositive(jwksCacheTtl, "jwksCacheTtl");
    requirePositive(outageTolerance, "outageTolerance");
    requirePositive(connectTimeout, "connectTimeout");
    requirePositive(readTimeout, "readTimeout");
    if (jwksCacheTtl.compareTo(refetchCooldown) <= 0) {
      // Otherwise every scheduled refresh would land inside a cool-down and be refused.
      throw new IllegalArgumentException("jwksCacheTtl must be longer than refetchCooldown");
    }
  }

  /** 60 s skew, 30 s cool-down, keys cached 5 min and kept 12 h through outages, 5 s timeouts. */
  public static VerifierOptions defaults() {
    return new VerifierOptions(
        MAX_CLOCK_SKEW,
        Duration.ofSeconds(30),
        Duration.ofMinutes(5),
        Duration.ofHours(12),
        Duration.ofSeconds(5),
        Duration.ofSeconds(5),
        Clock.systemUTC(),
        null);
  }

  public VerifierOptions withClockSkew(Duration value) {
    return new VerifierOptions(
        value,
        refetchCooldown,
        jwksCacheTtl,
        outageTolerance,
        connectTimeout,
        readTimeout,
        clock,
        executor);
  }

  public VerifierOptions withRefetchCooldown(Duration value) {
    return new VerifierOptions(
        clockSkew,
        value,
        jwksCacheTtl,
        outageTolerance,
        connectTimeout,
        readTimeout,
        clock,
        executor);
  }

  public VerifierOptions withJwksCache(Duration ttl, Duration outage) {
    return new VerifierOptions(
        clockSkew, refetchCooldown, ttl, outage, connectTimeout, readTimeout, clock, executor);
  }

  public VerifierOptions withTimeouts(Duration connect, Duration read) {
    return new VerifierOptions(
        clockSkew, refetchCooldown, jwksCacheTtl, outageTolerance, connect, read, clock, executor);
  }

  public VerifierOptions withClock(Clock value) {
    return new VerifierOptions(
        clockSkew,
        refetchCooldown,
        jwksCacheTtl,
        outageTolerance,
        connectTimeout,
        readTimeout,
        value,
        executor);
  }

  public VerifierOptions withExecutor(Executor value) {
    return new VerifierOptions(
        clockSkew,
        refetchCooldown,
        jwksCacheTtl,
        outageTolerance,
        connectTimeout,
        readTimeout,
        clock,
        value);
  }

  private static void requirePositive(Duration value, String name) {
    if (value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
  }
}
