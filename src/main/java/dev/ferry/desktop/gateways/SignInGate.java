package dev.ferry.desktop.gateways;

import dev.ferry.client.auth.LoginTokenSource;
import dev.ferry.client.auth.TokenException;
import dev.ferry.client.auth.TokenSource;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The token source a desktop forwarder uses: the current sign-in's {@link LoginTokenSource} (or the
 * token source given on the command line, {@link ExternalToken}), and while there is none (signed
 * out, or the renewal needs the user again) it makes new connections wait up to {@code maxWait} for
 * a sign-in instead of refusing them. Thread-safe.
 */
public final class SignInGate implements TokenSource {
  private final String gateway;
  private final Duration maxWait;
  private TokenSource current;
  private CompletableFuture<TokenSource> next = new CompletableFuture<>();

  public SignInGate(String gateway, Duration maxWait) {
    this.gateway = gateway;
    this.maxWait = maxWait;
  }

  /** A sign-in happened: waiting connections go on with it. */
  public synchronized void open(TokenSource tokens) {
    current = tokens;
    next.complete(tokens);
  }

  /** Signed out: from now on, connections wait for the next {@link #open}. */
  public synchronized void close() {
    current = null;
    if (next.isDone()) {
      next = new CompletableFuture<>();
    }
  }

  /** The current sign-in's tokens, or null; never waits. */
  public synchronized TokenSource now() {
    return current;
  }

  /** When the current token expires, or null when signed out or before the first token. */
  public Instant expiry() {
    TokenSource t = now();
    return t instanceof LoginTokenSource l ? l.currentExpiry() : null;
  }

  @Override
  public String token() throws TokenException {
    CompletableFuture<TokenSource> waitFor;
    synchronized (this) {
      waitFor = next;
    }
    TokenSource tokens;
    try {
      tokens = waitFor.get(maxWait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new TokenException(
          "not signed in to " + gateway + ": sign in in the Ferry app (waited " + waited() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TokenException("interrupted while waiting for a sign-in");
    } catch (ExecutionException e) {
      throw new TokenException(String.valueOf(e.getCause()));
    }
    return tokens.token();
  }

  @Override
  public String tokenIfReady() {
    TokenSource t = now();
    return t == null ? null : t.tokenIfReady();
  }

  private String waited() {
    return maxWait.toSeconds() >= 60 ? maxWait.toMinutes() + " min" : maxWait.toSeconds() + " s";
  }

  @Override
  public void invalidate(String token) {
    TokenSource t = now();
    if (t != null) {
      t.invalidate(token);
    }
  }

  @Override
  public String describe() {
    return "the Ferry app's sign-in to " + gateway;
  }
}
