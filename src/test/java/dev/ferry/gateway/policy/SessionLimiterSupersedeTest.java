package dev.ferry.gateway.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.gateway.config.AccessRule;
import dev.ferry.gateway.config.Limits;
import dev.ferry.gateway.config.ProxyConfig;
import dev.ferry.gateway.config.Target;
import dev.ferry.gateway.policy.SessionLimiter.Decision;
import dev.ferry.gateway.policy.SessionLimiter.Owner;
import dev.ferry.gateway.policy.SessionLimiter.Permit;
import dev.ferry.gateway.policy.SessionLimiter.Refusal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The limiter's side of superseding: which waiting sessions give up their slots to a new tunnel,
 * and that the counts stay exact when resumes and new tunnels race (the gateway's tests drive the
 * same through real tunnels: SupersedeWaitingSessionTest, SameClientWaitingSessionTest). Without a
 * client instance ({@code tryAcquire(proxy, owner)}) a caller is an older client that sent none.
 */
class SessionLimiterSupersedeTest {
  static final Owner ALICE = new Owner("https://idp", "sub-alice", "alice@example.com");
  static final Owner BOB = new Owner("https://idp", "sub-bob", "bob@example.com");

  private final ExecutorService pool = Executors.newFixedThreadPool(8);

  @AfterEach
  void stop() throws InterruptedException {
    pool.shutdownNow();
    assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
  }

  static ProxyConfig proxy(int max, int perUser) {
    return new ProxyConfig(
        "db",
        "test",
        Target.parse("127.0.0.1:5432"),
        "tcp",
        List.of(),
        new AccessRule(Set.of(ALICE.user(), BOB.user()), Set.of()),
        new Limits(
            max,
            perUser,
            Duration.ofMinutes(5),
            Duration.ofHours(1),
            Duration.ofSeconds(5),
            false));
  }

  /** A permit whose supersession is counted. */
  static Permit take(SessionLimiter limiter, ProxyConfig proxy, Owner owner, AtomicInteger told) {
    Decision d = limiter.tryAcquire(proxy, owner);
    assertThat(d).as("%s admitted", owner.user()).isInstanceOf(Permit.class);
    Permit p = (Permit) d;
    p.onSuperseded(told::incrementAndGet);
    return p;
  }

  /** What a resume of a waiting permit and a new tunnel got when started at the same moment. */
  record Race(boolean resumed, Decision open) {}

  Race race(Permit waiting, Callable<Decision> open) throws Exception {
    CyclicBarrier start = new CyclicBarrier(2);
    Future<Boolean> resume =
        pool.submit(
            () -> {
              start.await(30, TimeUnit.SECONDS);
              return waiting.attaching();
            });
    Future<Decision> opened =
        pool.submit(
            () -> {
              start.await(30, TimeUnit.SECONDS);
              return open.call();
            });
    return new Race(resume.get(30, TimeUnit.SECONDS), opened.get(30, TimeUnit.SECONDS));
  }

  @Test
  @DisplayName("per-user cap: the owner's waiting session gives its slot to the owner's new tunnel")
  void ownWaitingSessionIsSuperseded() {
    SessionLimiter limiter = new SessionLimiter();
    ProxyConfig db = proxy(0, 1);
    AtomicInteger told = new AtomicInteger();
    Permit old = take(limiter, db, ALICE, told);
    old.waiting();
    assertThat(limiter.waiting("db")).isEqualTo(1);

    Permit fresh = take(limiter, db, ALICE, new AtomicInteger());
    assertThat(told.get()).isEqualTo(1);
    assertThat(old.superseded()).isTrue();
    assertThat(limiter.active("db")).isEqualTo(1);
    assertThat(limiter.waiting("db")).isZero();
    // The old session's own end changes nothing: its slot already went to the new tunnel.
    assertThat(old.attaching()).as("a late resume is refused").isFalse();
    assertThat(old.ending()).as("it ends as superseded").isFalse();
    old.release();
    assertThat(limiter.active("db")).isEqualTo(1);
    // The new tunnel counts: one more is refused.
    assertThat(limiter.tryAcquire(db, ALICE)).isInstanceOf(Refusal.class);
    fresh.release();
    assertThat(limiter.active("db")).isZero();
    assertThat(told.get()).isEqualTo(1);
  }

  @Test
  @DisplayName("a live session, another user's waiting one or a same-named other subject: refused")
  void onlyTheOwnersWaitingSessions() {
    SessionLimiter limiter = new SessionLimiter();
    AtomicInteger told = new AtomicInteger();

    ProxyConfig perUser = proxy(0, 1);
    take(limiter, perUser, ALICE, told);
    assertThat(limiter.tryAcquire(perUser, ALICE))
        .isEqualTo(new Refusal("limit reached: proxy db allows at most 1 sessions per user"));

    SessionLimiter other = new SessionLimiter();
    ProxyConfig total = proxy(1, 0);
    take(other, total, ALICE, told).waiting();
    assertThat(other.tryAcquire(total, BOB))
        .isEqualTo(new Refusal("limit reached: proxy db allows at most 1 concurrent sessions"));
    // Same user claim, another subject (or issuer): not the owner a resume would have to prove.
    Owner impostor = new Owner("https://idp", "sub-other", ALICE.user());
    assertThat(other.tryAcquire(total, impostor)).isInstanceOf(Refusal.class);
    Owner otherIssuer = new Owner("https://other-idp", ALICE.subject(), ALICE.user());
    assertThat(other.tryAcquire(total, otherIssuer)).isInstanceOf(Refusal.class);
    assertThat(told.get()).isZero();
    assertThat(other.active("db")).isEqualTo(1);
    assertThat(other.waiting("db")).isEqualTo(1);
  }

  @Test
  @DisplayName("per-proxy cap: only the caller's own waiting sessions, just as many as needed")
  void justEnoughLongestWaitingFirst() {
    SessionLimiter limiter = new SessionLimiter();
    ProxyConfig db = proxy(3, 0);
    AtomicInteger first = new AtomicInteger();
    AtomicInteger second = new AtomicInteger();
    AtomicInteger bobs = new AtomicInteger();
    Permit a1 = take(limiter, db, ALICE, first);
    Permit a2 = take(limiter, db, ALICE, second);
    Permit b = take(limiter, db, BOB, bobs);
    b.waiting();
    a2.waiting();
    a1.waiting();

    take(limiter, db, ALICE, new AtomicInteger());
    assertThat(second.get()).as("a2 waited longest of alice's").isEqualTo(1);
    assertThat(first.get()).isZero();
    assertThat(bobs.get()).as("bob waited longest of all, but is not alice").isZero();
    assertThat(limiter.active("db")).isEqualTo(3);
    assertThat(limiter.waiting("db")).isEqualTo(2);

    // Bob at the cap takes his own waiting session's slot, never alice's.
    take(limiter, db, BOB, new AtomicInteger());
    assertThat(bobs.get()).isEqualTo(1);
    assertThat(first.get()).isZero();
    assertThat(limiter.tryAcquire(db, BOB)).as("none of his left").isInstanceOf(Refusal.class);
    assertThat(first.get()).isZero();
    // A resumed session is live again and no longer to be taken.
    assertThat(a1.attaching()).isTrue();
    assertThat(limiter.tryAcquire(db, ALICE)).isInstanceOf(Refusal.class);
    assertThat(first.get()).isZero();
    // A session ending for its own reason is not taken either (it gives its slot back soon).
    a1.waiting();
    assertThat(a1.ending()).isTrue();
    assertThat(limiter.tryAcquire(db, ALICE)).isInstanceOf(Refusal.class);
    assertThat(first.get()).isZero();
  }

  static final String THIS_CLIENT = "client-instance-aaaa";
  static final String OTHER_CLIENT = "client-instance-bbbb";

  /** Like {@link #take}, from client instance {@code instance}. */
  static Permit take(
      SessionLimiter limiter, ProxyConfig proxy, Owner owner, String instance, AtomicInteger told) {
    Decision d = limiter.tryAcquire(proxy, owner, instance);
    assertThat(d).as("%s admitted", owner.user()).isInstanceOf(Permit.class);
    Permit p = (Permit) d;
    assertThat(p.clientInstance()).isEqualTo(instance);
    p.onSuperseded(told::incrementAndGet);
    return p;
  }

  @Test
  @DisplayName("a waiting session of the requesting client instance is left to resume: refused")
  void ownInstancesWaitingSessionIsKept() {
    SessionLimiter limiter = new SessionLimiter();
    ProxyConfig db = proxy(0, 1);
    AtomicInteger told = new AtomicInteger();
    Permit blinked = take(limiter, db, ALICE, THIS_CLIENT, told);
    blinked.waiting();

    assertThat(limiter.tryAcquire(db, ALICE, THIS_CLIENT))
        .isEqualTo(
            new Refusal(
                "limit reached: proxy db allows at most 1 sessions per user (alice@example.com"
                    + " has 1, 1 of them reconnecting from this client)"));
    assertThat(told.get()).isZero();
    assertThat(blinked.superseded()).isFalse();
    assertThat(limiter.active("db")).isEqualTo(1);
    assertThat(limiter.waiting("db")).isEqualTo(1);
    // Its resume still finds its slot.
    assertThat(blinked.attaching()).isTrue();
    assertThat(limiter.waiting("db")).isZero();

    // The same at the per-proxy cap, with the reason saying so.
    SessionLimiter total = new SessionLimiter();
    ProxyConfig one = proxy(1, 0);
    take(total, one, ALICE, THIS_CLIENT, told).waiting();
    assertThat(total.tryAcquire(one, ALICE, THIS_CLIENT))
        .isEqualTo(
            new Refusal(
                "limit reached: proxy db allows at most 1 concurrent sessions"
                    + " (1 of them reconnecting from this client)"));
    // Another user's client with an equal instance id takes nothing either, and is not told
    // about alice's sessions.
    assertThat(total.tryAcquire(one, BOB, THIS_CLIENT))
        .isEqualTo(new Refusal("limit reached: proxy db allows at most 1 concurrent sessions"));
    assertThat(told.get()).isZero();
  }

  @Test
  @DisplayName("another instance of the owner (or one without an id) supersedes; never this one's")
  void otherInstancesWaitingSessionsGiveWay() {
    SessionLimiter limiter = new SessionLimiter();
    ProxyConfig db = proxy(0, 3);
    AtomicInteger mine = new AtomicInteger();
    AtomicInteger crashed = new AtomicInteger();
    AtomicInteger older = new AtomicInteger();
    Permit own = take(limiter, db, ALICE, THIS_CLIENT, mine);
    Permit other = take(limiter, db, ALICE, OTHER_CLIENT, crashed);
    Permit noId = take(limiter, db, ALICE, null, older);
    // This client's session has waited longest, yet it is not the one taken.
    own.waiting();
    other.waiting();
    noId.waiting();

    take(limiter, db, ALICE, THIS_CLIENT, new AtomicInteger());
    assertThat(crashed.get()).as("the other instance's session").isEqualTo(1);
    assertThat(mine.get()).isZero();
    assertThat(older.get()).isZero();

    // A session opened without an id belongs to no instance: it may be taken too.
    take(limiter, db, ALICE, THIS_CLIENT, new AtomicInteger());
    assertThat(older.get()).isEqualTo(1);
    assertThat(mine.get()).isZero();
    assertThat(limiter.active("db")).isEqualTo(3);
    assertThat(limiter.waiting("db")).isEqualTo(1);

    // Only this client's own waiting session is left: this client is refused, and says why.
    assertThat(limiter.tryAcquire(db, ALICE, THIS_CLIENT))
        .isEqualTo(
            new Refusal(
                "limit reached: proxy db allows at most 3 sessions per user (alice@example.com"
                    + " has 3, 1 of them reconnecting from this client)"));
    assertThat(mine.get()).isZero();
    // Another instance of the same owner (a restarted client) takes it; so does a client without
    // an id, which cannot be told apart from a new process.
    AtomicInteger restarted = new AtomicInteger();
    take(limiter, db, ALICE, "client-instance-cccc", restarted);
    assertThat(mine.get()).isEqualTo(1);
    assertThat(own.attaching()).as("its late resume is refused").isFalse();
    assertThat(limiter.active("db")).isEqualTo(3);
    assertThat(limiter.waiting("db")).isZero();
  }

  @Test
  @DisplayName("not enough sessions of other instances: refused, and nothing is taken")
  void allOrNothing() {
    SessionLimiter limiter = new SessionLimiter();
    AtomicInteger told = new AtomicInteger();
    // Three sessions under a cap of three; a reload then lowers the cap to one (same proxy name):
    // a new tunnel would need three slots, and only two belong to another instance.
    ProxyConfig before = proxy(3, 0);
    Permit a = take(limiter, before, ALICE, OTHER_CLIENT, told);
    Permit b = take(limiter, before, ALICE, null, told);
    Permit c = take(limiter, before, ALICE, THIS_CLIENT, told);
    a.waiting();
    b.waiting();
    c.waiting();
    assertThat(limiter.tryAcquire(proxy(1, 0), ALICE, THIS_CLIENT))
        .isEqualTo(
            new Refusal(
                "limit reached: proxy db allows at most 1 concurrent sessions"
                    + " (1 of them reconnecting from this client)"));
    assertThat(told.get()).isZero();
    assertThat(limiter.active("db")).isEqualTo(3);
    assertThat(limiter.waiting("db")).isEqualTo(3);
    // Without an id the caller can take all three.
    assertThat(limiter.tryAcquire(proxy(1, 0), ALICE, null)).isInstanceOf(Permit.class);
    assertThat(told.get()).isEqualTo(3);
    assertThat(limiter.active("db")).isEqualTo(1);
  }

  @Test
  @Timeout(120)
  @DisplayName("a resume racing a new tunnel of the same client instance: the resume always wins")
  void resumeRacingOwnInstance() throws Exception {
    for (int round = 0; round < 500; round++) {
      SessionLimiter limiter = new SessionLimiter();
      ProxyConfig db = proxy(1, 1);
      AtomicInteger told = new AtomicInteger();
      Permit old = take(limiter, db, ALICE, THIS_CLIENT, told);
      old.waiting();
      Race race = race(old, () -> limiter.tryAcquire(db, ALICE, THIS_CLIENT));
      assertThat(race.resumed()).as("round %d", round).isTrue();
      assertThat(race.open()).as("round %d", round).isInstanceOf(Refusal.class);
      assertThat(told.get()).isZero();
      assertThat(limiter.active("db")).isEqualTo(1);
      assertThat(limiter.waiting("db")).isZero();
    }
  }

  @Test
  @Timeout(120)
  @DisplayName("new tunnels of the owner racing each other: one takes the slot, the rest refused")
  void racingNewTunnels() throws Exception {
    for (int round = 0; round < 200; round++) {
      SessionLimiter limiter = new SessionLimiter();
      ProxyConfig db = proxy(0, 1);
      AtomicInteger told = new AtomicInteger();
      take(limiter, db, ALICE, told).waiting();
      CyclicBarrier start = new CyclicBarrier(8);
      List<Future<Decision>> tries = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        tries.add(
            pool.submit(
                () -> {
                  start.await(30, TimeUnit.SECONDS);
                  return limiter.tryAcquire(db, ALICE);
                }));
      }
      int admitted = 0;
      for (Future<Decision> f : tries) {
        if (f.get(30, TimeUnit.SECONDS) instanceof Permit) {
          admitted++;
        }
      }
      assertThat(admitted).as("round %d", round).isEqualTo(1);
      assertThat(told.get()).isEqualTo(1);
      assertThat(limiter.active("db")).isEqualTo(1);
    }
  }

  @Test
  @Timeout(120)
  @DisplayName("a resume racing a new tunnel: exactly one of them gets the slot")
  void resumeRacingNewTunnel() throws Exception {
    int resumed = 0;
    int replaced = 0;
    for (int round = 0; round < 500; round++) {
      SessionLimiter limiter = new SessionLimiter();
      ProxyConfig db = proxy(1, 1);
      AtomicInteger told = new AtomicInteger();
      Permit old = take(limiter, db, ALICE, told);
      old.waiting();
      Race race = race(old, () -> limiter.tryAcquire(db, ALICE));
      boolean resumeWon = race.resumed();
      Decision d = race.open();
      assertThat(d instanceof Permit)
          .as("round %d: the new tunnel is admitted exactly when the resume lost", round)
          .isEqualTo(!resumeWon);
      assertThat(told.get()).isEqualTo(resumeWon ? 0 : 1);
      assertThat(limiter.active("db")).isEqualTo(1);
      if (resumeWon) {
        resumed++;
      } else {
        replaced++;
      }
    }
    assertThat(resumed + replaced).isEqualTo(500);
  }
}
