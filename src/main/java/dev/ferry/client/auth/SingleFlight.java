package dev.ferry.client.auth;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Runs one renewal at a time: the first caller does the work, callers arriving while it runs wait
 * for and share its result (or its failure). A caller arriving afterwards starts a new run, so
 * callers re-check their cache inside the work.
 */
final class SingleFlight<T> {

  /** The work to share; may fail with the TokenException every waiter then sees. */
  @FunctionalInterface
  interface Work<T> {
    T run() throws TokenException;
  }

  private final Object lock = new Object();
  private CompletableFuture<T> inFlight;

  T run(Work<T> work) throws TokenException {
    CompletableFuture<T> flight;
    boolean leader = false;
    synchronized (lock) {
      if (inFlight == null) {
        inFlight = new CompletableFuture<>();
        leader = true;
      }
      flight = inFlight;
    }
    if (leader) {
      try {
        flight.complete(work.run());
      } catch (TokenException | RuntimeException | Error e) {
        flight.completeExceptionally(e);
      } finally {
        synchronized (lock) {
          inFlight = null;
        }
      }
    }
    return join(flight);
  }

  // Waiters need no own timeout: every piece of shared work is bounded (HTTP and process limits).
  private static <T> T join(CompletableFuture<T> flight) throws TokenException {
    try {
      return flight.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TokenException("interrupted while waiting for a token", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof TokenException token) {
        throw token;
      }
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new TokenException("token renewal failed: " + cause, cause);
    }
  }
}
