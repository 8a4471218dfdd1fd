package dev.ferry.gateway.session;

import dev.ferry.gateway.auth.AuthException;
import dev.ferry.gateway.auth.TokenVerifier;
import dev.ferry.gateway.auth.VerifiedIdentity;
import dev.ferry.gateway.config.ProxyConfig;
import dev.ferry.gateway.policy.ProxyPolicy;
import dev.ferry.tunnel.Frame;
import dev.ferry.tunnel.TunnelError;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Binds one session to the token that opened it: the session ends when the token expires (plus the
 * verifier's skew) unless the client sent a fresh token through the tunnel first. A fresh token
 * must verify, name the same user (issuer, subject and user claim), and still pass the proxy's
 * rules as the gateway's configuration has them now; otherwise the session ends with {@code
 * token-invalid}, {@code user-changed} or {@code access-revoked}. Runs on the session's event loop.
 *
 * <p>A client cannot make the gateway burn CPU with TOKEN frames: one verification at a time
 * (frames arriving meanwhile are dropped), and more than {@link #BURST} frames within a few seconds
 * end the session as a protocol error.
 */
final class TokenBinding {
  /** TOKEN frames allowed back to back; one more is allowed per {@link #REFILL}. */
  static final int BURST = 5;

  static final Duration REFILL = Duration.ofSeconds(1);

  /** The gateway prompts at most this long before expiry (NOTICE token expiring). */
  static final Duration MAX_PROMPT_LEAD = Duration.ofSeconds(30);

  /** Where fresh tokens are checked and the current configuration looked up. */
  record Checks(TokenVerifier verifier, Function<String, Optional<ProxyConfig>> currentProxy) {}

  private final TunnelSession session;
  private final Checks checks;
  private final Clock clock;
  private final boolean bound;
  private volatile VerifiedIdentity identity;
  private Instant expiresAt;
  private EventLoop loop;
  private ScheduledFuture<?> deadline;
  private ScheduledFuture<?> prompt;
  private boolean checking;
  private double allowance = BURST;
  private long lastRefillNanos = System.nanoTime();
  private boolean stopped;

  TokenBinding(TunnelSession session, VerifiedIdentity identity, Checks checks, Clock clock) {
    this.session = session;
    this.identity = identity;
    this.checks = checks;
    this.clock = clock;
    this.expiresAt = identity.expiresAt();
    this.bound = session.proxy().limits().endWithToken() && expiresAt != null;
  }

  /** True when the session ends with its token (the proxy did not opt out). */
  boolean bound() {
    return bound;
  }

  Instant expiresAt() {
    return expiresAt;
  }

  VerifiedIdentity identity() {
    return identity;
  }

  void start(EventLoop loop) {
    this.loop = loop;
    arm();
  }

  void stop() {
    stopped = true;
    cancel();
  }

  private void arm() {
    cancel();
    if (!bound || stopped) {
      return;
    }
    Instant now = clock.instant();
    Duration left = Duration.between(now, expiresAt.plus(checks.verifier().clockSkew()));
    deadline =
        loop.schedule(
            () -> session.expire(TunnelError.TOKEN_EXPIRED, "token expired"),
            Math.max(0, left.toMillis()),
            TimeUnit.MILLISECONDS);
    Duration remaining = Duration.between(now, expiresAt);
    if (!remaining.isNegative()) {
      // A client that renews on time (at 80 % of the token's life) never sees this prompt.
      Duration lead = remaining.dividedBy(10);
      if (lead.compareTo(MAX_PROMPT_LEAD) > 0) {
        lead = MAX_PROMPT_LEAD;
      }
      Duration until = remaining.minus(lead);
      long seconds = Math.max(1, lead.toSeconds());
      prompt =
          loop.schedule(
              () ->
                  session.noticeTokenExpiring(
                      "your token expires in "
                          + seconds
                          + " s; the tunnel ends then unless the client sends a fresh one"),
              until.toMillis(),
              TimeUnit.MILLISECONDS);
    }
  }

  private void cancel() {
    if (deadline != null) {
      deadline.cancel(false);
    }
    if (prompt != null) {
      prompt.cancel(false);
    }
  }

  /** A TOKEN frame arrived. */
  void onToken(Frame.Token frame) {
    long now = System.nanoTime();
    allowance = Math.min(BURST, allowance + (double) (now - lastRefillNanos) / REFILL.toNanos());
    lastRefillNanos = now;
    if (allowance < 1) {
      session.abuse("too many TOKEN frames");
      return;
    }
    allowance -= 1;
    if (checking) {
      // One verification at a time; the client gets its answer to the first one.
      return;
    }
    checking = true;
    CompletableFuture<VerifiedIdentity> verified;
    try {
      verified = checks.verifier().verify("Bearer " + frame.jwt());
    } catch (RuntimeException e) {
      verified = CompletableFuture.failedFuture(e);
    }
    verified.whenComplete((id, error) -> loop.execute(() -> verified(id, error)));
  }

  private void verified(VerifiedIdentity fresh, Throwable error) {
    checking = false;
    if (stopped || session.terminating()) {
      return;
    }
    if (fresh == null) {
      Throwable cause = unwrap(error);
      String why;
      if (cause instanceof AuthException ae) {
        session.authFailure(ae.failure().tag());
        why = ae.getMessage();
      } else {
        session.authFailure("internal");
        why = "token verification failed";
      }
      session.expire(TunnelError.TOKEN_INVALID, "fresh token refused: " + why);
      return;
    }
    if (!fresh.issuer().equals(identity.issuer())
        || !fresh.subject().equals(identity.subject())
        || !fresh.user().equals(identity.user())) {
      session.expire(
          TunnelError.USER_CHANGED, "the fresh token is for another user than the session's");
      return;
    }
    String proxy = session.proxy().name();
    Optional<ProxyConfig> current = checks.currentProxy().apply(proxy);
    if (current.isEmpty()) {
      session.expire(TunnelError.PROXY_REMOVED, "proxy " + proxy + " was removed");
      return;
    }
    if (!ProxyPolicy.allows(current.get(), fresh.user(), fresh.groups())) {
      session.expire(
          TunnelError.ACCESS_REVOKED,
          "access to proxy " + proxy + " was revoked for " + fresh.user());
      return;
    }
    identity = fresh;
    // An older (still valid) token never shortens what a newer one granted.
    if (fresh.expiresAt().isAfter(expiresAt)) {
      expiresAt = fresh.expiresAt();
    }
    arm();
    session.tokenAccepted(expiresAt.getEpochSecond());
  }

  private static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
