package dev.ferry.desktop;

import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One thread that stands in for the FX thread in view-model tests: the view-models are only touched
 * on it, and every call onto it is bounded.
 */
public final class UiThread implements AutoCloseable {
  private final ExecutorService thread = Executors.newSingleThreadExecutor();

  /** The executor to hand to a view-model as its UI executor. */
  public Executor executor() {
    return thread;
  }

  /** Runs {@code c} on the UI thread and returns its result (at most 10 s). */
  public <T> T call(Callable<T> c) throws Exception {
    return thread.submit(c).get(10, TimeUnit.SECONDS);
  }

  /** Runs {@code r} on the UI thread and waits for it (at most 10 s). */
  public void run(Runnable r) throws Exception {
    call(
        () -> {
          r.run();
          return null;
        });
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
