package dev.ferry.gateway.policy;

import dev.ferry.gateway.config.ProxyConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Concurrent-session caps per proxy and per user of a proxy. Both counts are taken together under
 * one lock per proxy, so parallel opens can never overshoot either cap, and a {@link Permit} gives
 * its slot back exactly once however often it is released.
 *
 * <p>A session whose WebSocket dropped keeps its slot while it waits for a resume. So that a user
 * whose client crashed is not locked out by their own abandoned sessions for the resume window, a
 * new tunnel that a cap would refuse takes the slots of as many of the <em>same</em> owner's
 * (issuer, subject, user) waiting sessions as it needs, longest-waiting first; those sessions are
 * told through {@link Permit#onSuperseded} and end. Live sessions and other users' sessions are
 * never taken, and neither are waiting sessions opened by the requesting client instance itself
 * (the same {@code Ferry-Client-Instance}): that client is alive, only its network blinked, and it
 * is about to resume them. Whether a session waits is decided under the same lock as the counts: a
 * resume that {@link Permit#attaching attaches} first keeps its session, one that comes after the
 * slot was taken is refused.
 */
public final class SessionLimiter {

  /** Who holds a slot: the session's owner, as a resume must prove to be. */
  public record Owner(String issuer, String subject, String user) {
    public Owner {
      Objects.requireNonNull(user, "user");
    }
  }

  /** The answer of {@link #tryAcquire}: a permit or a refusal. */
  public sealed interface Decision permits Permit, Refusal {}

  private enum State {
    /** Counted; its session is being set up or has a WebSocket. */
    LIVE,
    /** Counted; its session lost its WebSocket and waits for a resume: may be superseded. */
    WAITING,
    /** Counted; its session is ending for its own reason. */
    ENDING,
    /** Not counted: its slot went to a newer tunnel of the same owner. */
    SUPERSEDED,
    /** Not counted: given back. */
    RELEASED
  }

  /**
   * A taken slot; release it when the session ends or its setup fails. Idempotent. Its session
   * reports when it {@link #waiting waits} for a resume and when it {@link #attaching resumes}.
   */
  public static final class Permit implements Decision {
    private final Counts counts;
    private final Owner owner;
    private final String clientInstance;
    // Guarded by counts.
    private State state = State.LIVE;
    private volatile Runnable onSuperseded = () -> {};

    Permit(Counts counts, Owner owner, String clientInstance) {
      this.counts = counts;
      this.owner = owner;
      this.clientInstance = clientInstance;
    }

    /** The client instance that opened the session, or null when its client sent none. */
    public String clientInstance() {
      return clientInstance;
    }

    /**
     * What to do when a newer tunnel of the same owner took this slot while the session waited for
     * a resume (called once, on the thread of that tunnel's handshake, outside the lock).
     */
    public void onSuperseded(Runnable action) {
      this.onSuperseded = action;
    }

    /** The session lost its WebSocket and waits for a resume; from now on it may be superseded. */
    public void waiting() {
      synchronized (counts) {
        if (state == State.LIVE) {
          state = State.WAITING;
          counts.waiting.add(this);
        }
      }
    }

    /**
     * A resume is taking the session up again (or a failed one gave up: call {@link #waiting}).
     *
     * @return false when the slot was already given to a newer tunnel: the session is over
     */
    public boolean attaching() {
      synchronized (counts) {
        if (state == State.WAITING) {
          state = State.LIVE;
          counts.waiting.remove(this);
        }
        return state != State.SUPERSEDED;
      }
    }

    /**
     * The session decided to end for its own reason; it can no longer be superseded.
     *
     * @return false when it already was: that is then the reason it ends
     */
    public boolean ending() {
      synchronized (counts) {
        if (state == State.LIVE || state == State.WAITING) {
          state = State.ENDING;
          counts.waiting.remove(this);
        }
        return state != State.SUPERSEDED;
      }
    }

    /** Whether a newer tunnel of the same owner took this slot. */
    public boolean superseded() {
      synchronized (counts) {
        return state == State.SUPERSEDED;
      }
    }

    public void release() {
      synchronized (counts) {
        if (state == State.SUPERSEDED || state == State.RELEASED) {
          return;
        }
        counts.giveBack(this);
        state = State.RELEASED;
      }
    }
  }

  /** Why no slot was given, in words for the problem detail. */
  public record Refusal(String detail) implements Decision {}

  private final Map<String, Counts> counts = new ConcurrentHashMap<>();

  /** {@link #tryAcquire(ProxyConfig, Owner, String)} for a client that sent no instance id. */
  public Decision tryAcquire(ProxyConfig proxy, Owner owner) {
    return tryAcquire(proxy, owner, null);
  }

  /**
   * Takes a slot for {@code owner} on {@code proxy}. When a cap is reached, the owner's own
   * sessions waiting for a resume give up their slots if there are enough of them (fewest needed,
   * longest waiting first); their {@link Permit#onSuperseded} actions run before this returns.
   * Waiting sessions opened by {@code clientInstance} itself are not taken: a live client will
   * resume them.
   *
   * @param clientInstance the requesting client's instance id, or null when it sent none (then
   *     every waiting session of the owner may be taken)
   * @return the permit, or a refusal naming the cap that is reached (and how many of the owner's
   *     sessions wait for a resume from this very client, if any)
   */
  public Decision tryAcquire(ProxyConfig proxy, Owner owner, String clientInstance) {
    Counts c = counts.computeIfAbsent(proxy.name(), k -> new Counts());
    int max = proxy.limits().maxSessions();
    int maxPerUser = proxy.limits().maxSessionsPerUser();
    List<Permit> superseded = new ArrayList<>();
    Permit permit;
    synchronized (c) {
      int overTotal = max > 0 ? c.total - max + 1 : 0;
      int overUser = maxPerUser > 0 ? c.perUser.getOrDefault(owner.user(), 0) - maxPerUser + 1 : 0;
      int needed = Math.max(0, Math.max(overTotal, overUser));
      if (needed > 0) {
        List<Permit> own =
            owner.issuer() == null ? List.of() : c.waitingOf(owner, clientInstance, needed);
        if (own.size() < needed) {
          int reconnecting = c.waitingFrom(owner, clientInstance);
          return overTotal > own.size()
              ? new Refusal(
                  "limit reached: proxy "
                      + proxy.name()
                      + " allows at most "
                      + max
                      + " concurrent sessions"
                      + (reconnecting > 0
                          ? " (" + reconnecting + " of them reconnecting from this client)"
                          : ""))
              : new Refusal(
                  "limit reached: proxy "
                      + proxy.name()
                      + " allows at most "
                      + maxPerUser
                      + " sessions per user"
                      + (reconnecting > 0
                          ? " ("
                              + owner.user()
                              + " has "
                              + c.perUser.getOrDefault(owner.user(), 0)
                              + ", "
                              + reconnecting
                              + " of them reconnecting from this client)"
                          : ""));
        }
        for (Permit p : own) {
          c.giveBack(p);
          p.state = State.SUPERSEDED;
          superseded.add(p);
        }
      }
      permit = new Permit(c, owner, clientInstance);
      c.total++;
      c.perUser.merge(owner.user(), 1, Integer::sum);
    }
    for (Permit p : superseded) {
      p.onSuperseded.run();
    }
    return permit;
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

  /** Sessions of {@code proxy} that hold a slot while they wait for a resume. */
  public int waiting(String proxy) {
    Counts c = counts.get(proxy);
    if (c == null) {
      return 0;
    }
    synchronized (c) {
      return c.waiting.size();
    }
  }

  private static final class Counts {
    int total;
    final Map<String, Integer> perUser = new HashMap<>();

    /** Permits in state WAITING, in the order they started waiting. */
    final Set<Permit> waiting = new LinkedHashSet<>();

    /**
     * Up to {@code n} of {@code owner}'s waiting permits that {@code clientInstance} did not open,
     * longest waiting first.
     */
    List<Permit> waitingOf(Owner owner, String clientInstance, int n) {
      List<Permit> out = new ArrayList<>(n);
      for (Iterator<Permit> it = waiting.iterator(); it.hasNext() && out.size() < n; ) {
        Permit p = it.next();
        if (p.owner.equals(owner) && !openedBy(p, clientInstance)) {
          out.add(p);
        }
      }
      return out;
    }

    /** How many of {@code owner}'s waiting permits {@code clientInstance} opened. */
    int waitingFrom(Owner owner, String clientInstance) {
      int n = 0;
      for (Permit p : waiting) {
        if (p.owner.equals(owner) && openedBy(p, clientInstance)) {
          n++;
        }
      }
      return n;
    }

    /** A client that sent no instance id is nobody's instance: it can tell nothing apart. */
    private static boolean openedBy(Permit p, String clientInstance) {
      return clientInstance != null && clientInstance.equals(p.clientInstance);
    }

    /** Uncounts a permit that is still counted. */
    void giveBack(Permit p) {
      total--;
      perUser.computeIfPresent(p.owner.user(), (u, n) -> n <= 1 ? null : n - 1);
      waiting.remove(p);
    }
  }
}
