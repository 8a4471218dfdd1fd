package dev.ferry.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DecisionCacheTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
  private final DecisionCache cache = new DecisionCache(clock);

  private VerifiedIdentity expiringIn(Duration duration) {
    return new VerifiedIdentity(
        "alice", "sub-1", Set.of("dba"), "https://issuer", clock.instant().plus(duration));
  }

  @Test
  @DisplayName("an entry is served until the token's exp and not a moment longer")
  void expiresAtExp() {
    VerifiedIdentity identity = expiringIn(Duration.ofSeconds(30));
    cache.put("token-a", identity);

    clock.advance(Duration.ofSeconds(29));
    assertThat(cache.get("token-a")).contains(identity);

    clock.advance(Duration.ofSeconds(1));
    assertThat(cache.get("token-a")).isEmpty();
  }

  @Test
  @DisplayName("an entry lives at most 10 minutes even when the token lives longer")
  void cappedAtTenMinutes() {
    cache.put("token-b", expiringIn(Duration.ofHours(1)));

    clock.advance(DecisionCache.MAX_TTL.minusMillis(1));
    assertThat(cache.get("token-b")).isPresent();

    clock.advance(Duration.ofMillis(1));
    assertThat(cache.get("token-b")).isEmpty();
  }

  @Test
  @DisplayName("an identity already past exp is not stored")
  void expiredNotStored() {
    cache.put("token-c", expiringIn(Duration.ofSeconds(-1)));
    assertThat(cache.get("token-c")).isEmpty();
    assertThat(cache.size()).isZero();
  }

  @Test
  @DisplayName("keys are SHA-256 hex digests, never the token")
  void keyIsDigest() {
    assertThat(DecisionCache.key("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }
}
