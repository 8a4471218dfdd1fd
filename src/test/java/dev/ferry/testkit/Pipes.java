package dev.ferry.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** Byte pumps and daemon threads shared by the fixtures (package-private plumbing). */
final class Pipes {
  private Pipes() {}

  /**
   * Copies {@code in} to {@code out} until end of stream, flushing after every chunk so that
   * interactive protocols (SSH, PostgreSQL) see each byte as soon as it arrives.
   *
   * @return the number of bytes copied
   */
  static long copy(InputStream in, OutputStream out) throws IOException {
    byte[] buf = new byte[16 * 1024];
    long total = 0;
    int n;
    while ((n = in.read(buf)) >= 0) {
      out.write(buf, 0, n);
      out.flush();
      total += n;
    }
    return total;
  }

  /** A cached pool of daemon threads named {@code name-N}: fixtures never keep the JVM alive. */
  static ExecutorService daemonPool(String name) {
    AtomicInteger counter = new AtomicInteger();
    return Executors.newCachedThreadPool(
        r -> {
          Thread t = new Thread(r, name + "-" + counter.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  /** Closes quietly: fixtures tear down on a best-effort basis and never mask a test failure. */
  static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception ignored) {
      // teardown is best effort
    }
  }
}
