package dev.ferry.cli;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * SIGTERM and SIGINT as a request to stop: long-running commands drain and then return 0 themselves
 * (DESIGN §2), rather than letting the JVM die with 143 halfway through a shutdown hook.
 */
final class Signals {
  private Signals() {}

  /** Runs {@code onStop} once, on the first SIGTERM or SIGINT. */
  @SuppressWarnings("restriction")
  static void onTermination(Runnable onStop) {
    AtomicBoolean once = new AtomicBoolean();
    Runnable guarded =
        () -> {
          if (once.compareAndSet(false, true)) {
            onStop.run();
          }
        };
    try {
      for (String name : new String[] {"TERM", "INT"}) {
        sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> startDaemon(guarded));
      }
    } catch (IllegalArgumentException | LinkageError e) {
      // No signal support here (unusual runtime): fall back to a hook, still draining.
      Runtime.getRuntime().addShutdownHook(new Thread(guarded, "ferry-stop"));
    }
  }

  /**
   * Runs {@code onHangup} on every SIGHUP (the gateway re-reads its config; {@code ferry stdio},
   * which ssh stops this way, closes its tunnel); does nothing where the runtime has no signal
   * support.
   */
  @SuppressWarnings("restriction")
  static void onHangup(Runnable onHangup) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> startDaemon(onHangup));
    } catch (IllegalArgumentException | LinkageError e) {
      // No SIGHUP here (Windows): the config file is still polled.
    }
  }

  private static void startDaemon(Runnable r) {
    Thread t = new Thread(r, "ferry-stop");
    t.setDaemon(true);
    t.start();
  }
}
