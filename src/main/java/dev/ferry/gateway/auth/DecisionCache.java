package dev.ferry.gateway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Remembers successful verifications so that a client opening many tunnels with one token pays for
 * the signature check once. Keyed by the token's SHA-256, so a heap dump holds no usable token. An
 * entry lives until the token's {@code exp} (never longer, the skew is not granted here) and at
 * most {@link #MAX_TTL}, which bounds how long a decision outlives a key removed from the JWKS.
 */
final class DecisionCache {
  static final Duration MAX_TTL = Duration.ofMinutes(10);
  static final long MAX_ENTRIES = 100_000;

  private final Clock clock;
  private final Duration maxTtl;
  private final Cache<String, VerifiedIdentity> cache;

  DecisionCache(Clock clock) {
    this(clock, MAX_ENTRIES, MAX_TTL);
  }

  DecisionCache(Clock clock, long maxEntries, Duration maxTtl) {
    this.clock = clock;
    this.maxTtl = maxTtl;
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(maxEntries)
            // Time from the injected clock, so tests step through expiry without sleeping.
            .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis()))
            .expireAfter(new UntilExpiry())
            // Maintenance on the calling thread: no work lands on the common pool.
            .executor(Runnable::run)
            .build();
  }

  Optional<VerifiedIdentity> get(String token) {
    VerifiedIdentity identity = cache.getIfPresent(key(token));
    // Belt and braces: never answer from the cache for a token past its exp.
    if (identity == null || !clock.instant().isBefore(identity.expiresAt())) {
      return Optional.empty();
    }
    return Optional.of(identity);
  }

  void put(String token, VerifiedIdentity identity) {
    if (ttl(identity).isZero()) {
      return;
    }
    cache.put(key(token), identity);
  }

  long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  static String key(String token) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha256.digest(token.getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }

  private Duration ttl(VerifiedIdentity identity) {
    Duration untilExpiry = Duration.between(clock.instant(), identity.expiresAt());
    if (untilExpiry.isNegative() || untilExpiry.isZero()) {
      return Duration.ZERO;
    }
    return untilExpiry.compareTo(maxTtl) < 0 ? untilExpiry : maxTtl;
  }

  private final class UntilExpiry implements Expiry<String, VerifiedIdentity> {
    @Override
    public long expireAfterCreate(String key, VerifiedIdentity value, long currentTime) {
      return ttl(value).toNanos();
    }

    @Override
    public long expireAfterUpdate(
        String key, VerifiedIdentity value, long currentTime, long currentDuration) {
      return ttl(value).toNanos();
    }

    @Override
    public long expireAfterRead(
        String key, VerifiedIdentity value, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }
}
