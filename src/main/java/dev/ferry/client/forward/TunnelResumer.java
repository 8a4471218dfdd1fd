package dev.ferry.client.forward;

import dev.ferry.client.auth.TokenException;
import dev.ferry.client.auth.TokenSource;
import dev.ferry.client.tunnel.Tunnel;
import dev.ferry.client.tunnel.TunnelConnector;
import dev.ferry.client.tunnel.TunnelRefusedException;
import dev.ferry.tunnel.TunnelError;
import dev.ferry.tunnel.relay.Relay;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings back a relay whose WebSocket dropped: reconnects on the relay's own event loop with
 * exponential backoff and jitter, each time with a fresh token and the count of bytes received,
 * until the gateway takes the session back, refuses it for good, or the resume window ends. The
 * local TCP connection stays open (unread) meanwhile.
 */
final class TunnelResumer {
  private static final Logger log = LoggerFactory.getLogger(TunnelResumer.class);
  static final long FIRST_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  static final long MAX_DELAY_NANOS = TimeUnit.SECONDS.toNanos(5);

  /**
   * Our own session, with our own token, is unknown where the resume landed: the instance that held
   * it is gone, or the resume reached another one. The second is a deployment fault an operator can
   * fix, so say it.
   */
  static final String NOT_FOUND_HINT =
      " (the gateway instance that held it restarted or is gone, or a load balancer without"
          + " cookie affinity sent the resume to another instance)";

  /** How a resume ended; called on the relay's loop. */
  interface Outcome {
    /**
     * @param attempts reconnects it took, at least 1
     */
    void resumed(Tunnel tunnel, int attempts);

    /**
     * @param error why, as a kind: the gateway's refusal, or {@link TunnelError#RESUME_TIMEOUT}
     */
    void failed(TunnelError error, String detail);
  }

  private final TunnelConnector connector;
  private final String proxy;
  private final TokenSource tokens;
  private final Executor tokenThreads;
  private final Relay relay;
  private final String sessionId;
  private final Duration window;
  private final Outcome outcome;
  private final EventLoop loop;
  private long deadline;
  private int attempts;
  private String lastError = "connection lost";
  private boolean done;

  TunnelResumer(
      TunnelConnector connector,
      String proxy,
      TokenSource tokens,
      Executor tokenThreads,
      Relay relay,
      String sessionId,
      Duration window,
      Outcome outcome) {
    this.connector = connector;
    this.proxy = proxy;
    this.tokens = tokens;
    this.tokenThreads = tokenThreads;
    this.relay = relay;
    this.sessionId = sessionId;
    this.window = window;
    this.outcome = outcome;
    this.loop = relay.tcp().eventLoop();
  }

  /** Starts trying; call on the relay's loop. */
  void start() {
    deadline = System.nanoTime() + window.toNanos();
    schedule(jitter(FIRST_DELAY_NANOS));
  }

  private void schedule(long delayNanos) {
    long left = deadline - System.nanoTime();
    loop.schedule(this::attempt, Math.max(0, Math.min(delayNanos, left)), TimeUnit.NANOSECONDS);
  }

  private void attempt() {
    if (done) {
      return;
    }
    if (relay.isTerminating() || !relay.tcp().isActive()) {
      done = true; // the local side ended meanwhile; the forwarder already knows
      return;
    }
    if (System.nanoTime() - deadline >= 0) {
      fail(
          "could not resume the tunnel to "
              + proxy
              + " within "
              + window.toSeconds()
              + "s: "
              + lastError);
      return;
    }
    attempts++;
    long received = relay.receivedBytes();
    CompletableFuture<String> fresh;
    try {
      fresh =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return tokens.token();
                } catch (TokenException e) {
                  throw new CompletionException(e);
                }
              },
              tokenThreads);
    } catch (RejectedExecutionException closing) {
      fail("the forwarder is closing");
      return;
    }
    fresh
        .thenCompose(
            token ->
                connector
                    .resume(proxy, token, loop, sessionId, received)
                    .whenComplete(
                        (t, e) -> {
                          if (e != null && isTokenRefusal(e)) {
                            tokens.invalidate(token);
                          }
                        }))
        .whenComplete((tunnel, error) -> loop.execute(() -> finished(tunnel, error)));
  }

  private void finished(Tunnel tunnel, Throwable error) {
    if (error == null) {
      if (done || relay.isTerminating() || !relay.isDetached()) {
        tunnel.close();
        return;
      }
      if (!tunnel.resumeRelay(relay)) {
        fail("the gateway no longer holds the bytes needed to resume the tunnel to " + proxy);
        return;
      }
      done = true;
      log.debug("tunnel to {} resumed after {} attempt(s)", proxy, attempts);
      outcome.resumed(tunnel, attempts);
      return;
    }
    Throwable c = unwrap(error);
    if (c instanceof TunnelRefusedException r && r.error() == TunnelError.SESSION_ENDED) {
      // The gateway ended the session while we were away; its detail says why.
      fail(r.error(), "could not resume the tunnel to " + proxy + ": " + r.detail());
      return;
    }
    if (c instanceof TunnelRefusedException r && !retryable(r.error())) {
      fail(
          r.error(),
          "the gateway refused to resume the tunnel to "
              + proxy
              + ": "
              + r.detail()
              + (r.error() == TunnelError.SESSION_NOT_FOUND ? NOT_FOUND_HINT : ""));
      return;
    }
    lastError =
        c instanceof TunnelRefusedException r
            ? r.detail()
            : c instanceof TokenException
                ? "no token from " + tokens.describe() + ": " + c.getMessage()
                : String.valueOf(c);
    log.debug("resume of the tunnel to {} failed ({}), retrying", proxy, lastError);
    int shift = Math.min(attempts - 1, 16);
    schedule(jitter(Math.min(MAX_DELAY_NANOS, FIRST_DELAY_NANOS << shift)));
  }

  private void fail(String detail) {
    fail(TunnelError.RESUME_TIMEOUT, detail);
  }

  private void fail(TunnelError error, String detail) {
    done = true;
    outcome.failed(error, detail);
  }

  /**
   * A refusal that a later attempt may not get: anything but "no such session", "the session has
   * ended" and bad input.
   */
  static boolean retryable(TunnelError e) {
    return switch (e) {
      case SESSION_NOT_FOUND, SESSION_ENDED, PROXY_NOT_FOUND, ORIGIN_NOT_ALLOWED, BAD_REQUEST ->
          false;
      default -> true;
    };
  }

  /** Between half and one and a half times {@code nanos}, so that many tunnels do not sync up. */
  private static long jitter(long nanos) {
    return nanos / 2 + ThreadLocalRandom.current().nextLong(nanos + 1);
  }

  private static boolean isTokenRefusal(Throwable e) {
    Throwable c = unwrap(e);
    return c instanceof TunnelRefusedException r
        && (r.error() == TunnelError.UNAUTHENTICATED || r.error() == TunnelError.TOKEN_EXPIRED);
  }

  private static Throwable unwrap(Throwable e) {
    while (e instanceof CompletionException && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
