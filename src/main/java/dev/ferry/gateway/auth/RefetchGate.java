package dev.ferry.gateway.auth;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSetUnavailableException;
import com.nimbusds.jose.proc.SecurityContext;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Lets at most one JWKS fetch through per cool-down. Sits directly above the HTTP source, below
 * nimbus' outage-tolerant and caching layers, so every kind of fetch (first load, scheduled
 * refresh, unknown-{@code kid} refetch, retry after an outage) counts against the same budget.
 *
 * <p>Why not nimbus' own {@code rateLimited(...)}: it allows two fetches per window and reads the
 * wall clock, so a burst of tokens with made-up {@code kid}s costs two fetches, and tests cannot
 * step through a window. A refused fetch throws {@link JWKSetUnavailableException}, which the
 * outage-tolerant layer above answers with the last good key set (an unknown kid then stays
 * unknown), or, before any success, which surfaces as "issuer keys unavailable".
 */
final class RefetchGate implements JWKSetSource<SecurityContext> {
  private final JWKSetSource<SecurityContext> delegate;
  private final Clock clock;
  private final long cooldownMillis;
  private final AtomicInteger fetches = new AtomicInteger();
  private long lastAttempt;
  private boolean attempted;
  private volatile boolean lastFetchFailed;

  RefetchGate(JWKSetSource<SecurityContext> delegate, Clock clock, Duration cooldown) {
    this.delegate = delegate;
    this.clock = clock;
    this.cooldownMillis = cooldown.toMillis();
  }

  @Override
  public JWKSet getJWKSet(
      JWKSetCacheRefreshEvaluator refreshEvaluator, long currentTime, SecurityContext context)
      throws KeySourceException {
    synchronized (this) {
      long now = clock.millis();
      if (attempted && now - lastAttempt < cooldownMillis) {
        throw new JWKSetUnavailableException("JWKS refetch cooling down");
      }
      attempted = true;
      lastAttempt = now;
    }
    fetches.incrementAndGet();
    try {
      JWKSet set = delegate.getJWKSet(refreshEvaluator, currentTime, context);
      lastFetchFailed = false;
      return set;
    } catch (KeySourceException | RuntimeException e) {
      lastFetchFailed = true;
      throw e;
    }
  }

  /**
   * True when the last fetch that went through failed (the issuer is down or unreachable): the
   * cached keys are all there is until a later fetch succeeds.
   */
  boolean lastFetchFailed() {
    return lastFetchFailed;
  }

  /** How many fetches went through; for diagnostics and tests. */
  int fetches() {
    return fetches.get();
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }
}
