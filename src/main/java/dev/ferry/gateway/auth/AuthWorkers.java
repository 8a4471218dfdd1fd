package dev.ferry.gateway.auth;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The default pool for blocking verification work: a few daemon threads (never keeps the JVM alive)
 * and a bounded queue, so a flood of uncached tokens is refused instead of queuing without limit
 * behind a slow issuer.
 */
final class AuthWorkers {
  static final int THREADS = 4;
  static final int QUEUE = 1024;

  private AuthWorkers() {}

  static ExecutorService newPool() {
    AtomicInteger counter = new AtomicInteger();
    ThreadFactory factory =
        runnable -> {
          Thread thread = new Thread(runnable, "ferry-auth-" + counter.incrementAndGet());
          thread.setDaemon(true);
          return thread;
        };
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            THREADS,
            THREADS,
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE),
            factory,
            new ThreadPoolExecutor.AbortPolicy());
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
