package dev.ferry.gateway.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Remembers, for a while, why recently ended resumable sessions ended and whose they were, so that
 * a late resume by the session's owner is told the real reason ("the session ended: idle-timeout
 * (idle for 15m)") instead of "unknown session". Anybody else still gets the one answer for unknown
 * ids.
 *
 * <p>Sizing: an entry is useful only while its owner's client may still be trying to resume, which
 * it does for at most the proxy's resume window after it noticed the drop; the client may notice it
 * later than the gateway (a dead path is only found by its keepalive), so an entry lives for the
 * resume window plus {@link #GRACE}. Resume windows are at most 1 h by config, so the longest stay
 * is 61 min; with the default 60 s window it is 2 min. {@link #MAX_ENTRIES} caps memory whatever
 * the rate of ends: an entry is about half a kilobyte (id, proxy, issuer, subject, user, reason),
 * so 10,000 of them are a few MiB, and that covers 80 ends per second with default windows. Past
 * the cap the oldest entries go first and their late resumes get the generic answer, as before.
 */
public final class EndedSessions {
  /** Time past the resume window during which a late client still gets the real reason. */
  public static final Duration GRACE = Duration.ofMinutes(1);

  public static final long MAX_ENTRIES = 10_000;

  /**
   * Why and for whom a session ended.
   *
   * @param reason the end reason as the audit's {@code session.end} has it (e.g. idle-timeout)
   * @param detail the same in words, or null (e.g. "idle for 15m")
   * @param retain how long after the end to remember it (resume window plus {@link #GRACE})
   */
  public record Ended(
      String sessionId,
      String proxy,
      String issuer,
      String subject,
      String user,
      String reason,
      String detail,
      Duration retain) {

    /** "the session ended: idle-timeout (idle for 15m)". */
    public String describe() {
      return "the session ended: " + reason + (detail != null ? " (" + detail + ")" : "");
    }

    boolean ownedBy(String issuer, String subject, String user) {
      return Objects.equals(this.issuer, issuer)
          && Objects.equals(this.subject, subject)
          && Objects.equals(this.user, user);
    }
  }

  private final Cache<String, Ended> cache;

  public EndedSessions() {
    this(MAX_ENTRIES, Ticker.systemTicker());
  }

  EndedSessions(long maxEntries, Ticker ticker) {
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(maxEntries)
            .ticker(ticker)
            .expireAfter(Expiry.creating((String id, Ended e) -> e.retain()))
            // Maintenance on the calling thread (an event loop; it is O(1)): nothing on the pool.
            .executor(Runnable::run)
            .build();
  }

  /** Remembers an ended session; sessions that could not be resumed are not worth an entry. */
  public void add(Ended ended) {
    if (!ended.retain().isZero()) {
      cache.put(ended.sessionId(), ended);
    }
  }

  /**
   * The ended session {@code id} if it was for {@code proxy} and is owned by this issuer, subject
   * and user; empty otherwise, so that nobody else learns whether the id existed.
   */
  public Optional<Ended> find(String id, String proxy, String issuer, String subject, String user) {
    Ended e = cache.getIfPresent(id);
    if (e == null || !e.proxy().equals(proxy) || !e.ownedBy(issuer, subject, user)) {
      return Optional.empty();
    }
    return Optional.of(e);
  }

  long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }
}
