package dev.ferry.client.tunnel;

import dev.ferry.client.auth.TokenException;
import dev.ferry.client.auth.TokenSource;
import dev.ferry.client.auth.UnverifiedExpiry;
import dev.ferry.tunnel.Frame;
import dev.ferry.tunnel.FrameCodec;
import dev.ferry.tunnel.NoticeCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Keeps one tunnel's session alive past its token: before the token expires, gets a fresh one from
 * the {@link TokenSource} (off the event loop: it may run a command or refresh) and sends it in a
 * TOKEN frame; the gateway answers TOKEN_ACCEPTED with the new expiry, or ends the tunnel with the
 * reason. A source that fails is retried with backoff until the token has expired; the user is told
 * once, with the time the tunnel will end.
 *
 * <p>When: at {@code exp − min(60 s, 20 % of the time left)}, i.e. at 80 % of a short token's life
 * and one minute before a long one's exp (when token sources renew their cache anyway). A NOTICE
 * "token expiring" from the gateway triggers a renewal at once. Everything but the token fetch runs
 * on the tunnel's event loop.
 */
public final class TokenRenewer {
  /** Renew at most this long before exp. */
  static final Duration MAX_LEAD = Duration.ofSeconds(60);

  static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  static final Duration MAX_RETRY = Duration.ofSeconds(30);

  /** How long an unanswered TOKEN waits before the next try (an old gateway ignores it). */
  static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

  private final EventLoop loop;
  private final TokenSource tokens;
  private final Executor blocking;
  private final Clock clock;
  private final Consumer<ByteBuf> sender;
  private final ByteBufAllocator alloc;
  private final Consumer<String> warnings;
  private final String proxy;

  private volatile Instant expiresAt;
  private ScheduledFuture<?> timer;
  private boolean fetching;
  private boolean awaitingAnswer;
  private boolean stopped;
  private boolean warned;
  private int failures;
  private int renewals;

  /**
   * @param loop the tunnel's event loop; every method must be called on it
   * @param blocking runs {@link TokenSource#token()}, which may block
   * @param sender sends a frame into the tunnel (on the loop; drops it once the tunnel closes)
   * @param warnings told, in words for the user, when no fresh token can be had
   */
  public TokenRenewer(
      EventLoop loop,
      TokenSource tokens,
      Executor blocking,
      Clock clock,
      ByteBufAllocator alloc,
      Consumer<ByteBuf> sender,
      Consumer<String> warnings,
      String proxy) {
    this.loop = loop;
    this.tokens = tokens;
    this.blocking = blocking;
    this.clock = clock;
    this.alloc = alloc;
    this.sender = sender;
    this.warnings = warnings;
    this.proxy = proxy;
  }

  /**
   * Starts from the SESSION frame's token expiry; 0 means the session is not bound to its token,
   * and nothing is ever renewed.
   */
  public void start(long tokenExpiresAtEpochSecond) {
    if (tokenExpiresAtEpochSecond <= 0) {
      stopped = true;
      return;
    }
    expiresAt = Instant.ofEpochSecond(tokenExpiresAtEpochSecond);
    scheduleNext();
  }

  /**
   * Offers a control frame from the gateway.
   *
   * @return true when the frame was about re-authentication and is handled here
   */
  public boolean onFrame(Frame frame) {
    if (frame instanceof Frame.TokenAccepted accepted) {
      awaitingAnswer = false;
      if (!stopped) {
        renewals++;
        expiresAt = Instant.ofEpochSecond(accepted.expiresAt());
        failures = 0;
        warned = false;
        scheduleNext();
      }
      return true;
    }
    if (frame instanceof Frame.Notice n && n.code() == NoticeCode.TOKEN_EXPIRING) {
      // A TOKEN already on its way answers the prompt; it may be queued behind data.
      if (!awaitingAnswer) {
        renew();
      }
      return true;
    }
    return false;
  }

  /** Fresh tokens the gateway accepted so far. */
  public int renewals() {
    return renewals;
  }

  public void stop() {
    stopped = true;
    cancel();
  }

  private void scheduleNext() {
    schedule(renewIn(Duration.between(clock.instant(), expiresAt)));
  }

  /** When to renew a token with {@code left} to live: {@code left − min(60 s, 20 % of left)}. */
  static Duration renewIn(Duration left) {
    if (left.isNegative()) {
      return Duration.ZERO;
    }
    Duration lead = left.dividedBy(5);
    if (lead.compareTo(MAX_LEAD) > 0) {
      lead = MAX_LEAD;
    }
    return left.minus(lead);
  }

  private void schedule(Duration delay) {
    cancel();
    if (stopped) {
      return;
    }
    timer = loop.schedule(this::renew, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void renew() {
    if (stopped || fetching) {
      return;
    }
    awaitingAnswer = false;
    cancel();
    fetching = true;
    Instant current = expiresAt;
    CompletableFuture.supplyAsync(() -> fetchNewer(current), blocking)
        .whenComplete((token, error) -> loop.execute(() -> fetched(token, error)));
  }

  /** A token expiring after {@code current}; asks the source once more to renew if it had none. */
  private String fetchNewer(Instant current) {
    try {
      String token = tokens.token();
      if (isNewer(token, current)) {
        return token;
      }
      tokens.invalidate(token);
      token = tokens.token();
      if (isNewer(token, current)) {
        return token;
      }
      throw new TokenException(
          tokens.describe() + " gave no token newer than the current one (it cannot be renewed)");
    } catch (TokenException e) {
      throw new CompletionException(e);
    }
  }

  private static boolean isNewer(String token, Instant current) {
    // An opaque token's expiry is unknown: let the gateway judge it.
    Optional<Instant> exp = UnverifiedExpiry.of(token);
    return exp.isEmpty() || exp.get().isAfter(current);
  }

  private void fetched(String token, Throwable error) {
    fetching = false;
    if (stopped) {
      return;
    }
    if (error != null) {
      failed(
          error instanceof CompletionException && error.getCause() != null
              ? error.getCause()
              : error);
      return;
    }
    sender.accept(FrameCodec.token(alloc, token));
    awaitingAnswer = true;
    // Rescheduled by TOKEN_ACCEPTED; if no answer comes, try again later.
    schedule(ANSWER_TIMEOUT);
  }

  private void failed(Throwable error) {
    failures++;
    Instant now = clock.instant();
    if (!warned) {
      warned = true;
      String why = error instanceof TokenException ? error.getMessage() : String.valueOf(error);
      warnings.accept(
          "cannot renew the token for the tunnel to "
              + proxy
              + ": "
              + why
              + (now.isBefore(expiresAt)
                  ? "; unless a retry succeeds, the tunnel ends when the token expires at "
                      + TIME.format(expiresAt)
                  : ""));
    }
    if (now.isAfter(expiresAt.plus(MAX_LEAD))) {
      return; // the gateway has ended the session by now
    }
    long factor = 1L << Math.min(failures - 1, 10);
    Duration backoff = FIRST_RETRY.multipliedBy(factor);
    if (backoff.compareTo(MAX_RETRY) > 0) {
      backoff = MAX_RETRY;
    }
    Duration untilExpiry = Duration.between(now, expiresAt);
    // Near the end, try more often rather than sleep through the last chance.
    if (untilExpiry.compareTo(Duration.ZERO) > 0
        && backoff.compareTo(untilExpiry.dividedBy(2)) > 0) {
      backoff =
          untilExpiry.dividedBy(2).compareTo(FIRST_RETRY.dividedBy(4)) > 0
              ? untilExpiry.dividedBy(2)
              : FIRST_RETRY.dividedBy(4);
    }
    schedule(backoff);
  }
}
