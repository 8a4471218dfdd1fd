package dev.ferry.testkit;

import static org.awaitility.Awaitility.await;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/** Deterministic byte streams and their digests, for transfer tests. */
public final class Streams {
  private static final int BLOCK = 64 * 1024;
  private static final byte[] PATTERN = new byte[BLOCK * 4 + 7];

  static {
    long x = 0x9E3779B97F4A7C15L;
    for (int i = 0; i < PATTERN.length; i++) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      PATTERN[i] = (byte) x;
    }
  }

  private Streams() {}

  /** Takes the pattern block by block; {@code E} is what it may throw. */
  private interface BlockSink<E extends Exception> {
    void accept(byte[] bytes, int offset, int length) throws E;
  }

  /** Hands {@code sink} the first {@code count} bytes of the pattern, in blocks. */
  private static <E extends Exception> void pattern(long count, BlockSink<E> sink) throws E {
    long left = count;
    int offset = 0;
    while (left > 0) {
      int n = (int) Math.min(BLOCK, left);
      if (offset + n > PATTERN.length) {
        offset = 0;
      }
      sink.accept(PATTERN, offset, n);
      offset += n;
      left -= n;
    }
  }

  /** Writes {@code count} bytes of the repeating pseudo-random pattern. */
  public static void writePattern(OutputStream out, long count) throws IOException {
    pattern(count, out::write);
    out.flush();
  }

  /**
   * The bytes {@link #writePattern} writes for {@code count}, as a stream that reads them without
   * holding them all (for a program's standard input).
   */
  public static InputStream patternInput(long count) {
    return new InputStream() {
      long left = count;
      int offset;
      int chunkLength;
      int chunkRead;

      @Override
      public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (len == 0) {
          return 0;
        }
        if (chunkRead == chunkLength) {
          if (left == 0) {
            return -1;
          }
          // The same chunks, from the same offsets, as writePattern.
          offset += chunkLength;
          int n = (int) Math.min(BLOCK, left);
          if (offset + n > PATTERN.length) {
            offset = 0;
          }
          chunkLength = n;
          chunkRead = 0;
          left -= n;
        }
        int k = Math.min(len, chunkLength - chunkRead);
        System.arraycopy(PATTERN, offset + chunkRead, b, off, k);
        chunkRead += k;
        return k;
      }
    };
  }

  /**
   * On a pool thread: writes {@code count} pattern bytes to {@code s}, then shuts its output down
   * (half-close), as a client of {@link TcpTarget#sourceAndDigest} or {@link
   * TcpTarget#digestAfterEof} does while it reads.
   */
  public static CompletableFuture<Void> writePatternThenShutdown(Socket s, long count) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            writePattern(s.getOutputStream(), count);
            s.shutdownOutput();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  /**
   * Reads exactly {@code count} bytes and returns their SHA-256. An end of stream before that fails
   * the test, saying how many bytes came and what {@code context} says (asked only then).
   */
  public static byte[] digestExactly(InputStream in, long count, Supplier<String> context)
      throws IOException {
    MessageDigest md = sha256();
    byte[] buf = new byte[256 * 1024];
    long left = count;
    while (left > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        throw new AssertionError("EOF after " + (count - left) + " bytes; " + context.get());
      }
      md.update(buf, 0, n);
      left -= n;
    }
    return md.digest();
  }

  /** The SHA-256 of what {@link #writePattern} writes for {@code count}. */
  public static byte[] patternDigest(long count) {
    MessageDigest md = sha256();
    pattern(count, md::update);
    return md.digest();
  }

  /** Reads to EOF, hashing; returns the digest, and the count in {@code count[0]}. */
  public static byte[] digest(InputStream in, long[] count) throws IOException {
    MessageDigest md = sha256();
    byte[] buf = new byte[256 * 1024];
    int n;
    long total = 0;
    while ((n = in.read(buf)) >= 0) {
      md.update(buf, 0, n);
      total += n;
    }
    count[0] = total;
    return md.digest();
  }

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code out}, adding to {@code count} what each write handed to it (for a socket: what the
   * kernel accepted), so a test can see a writer being held back.
   */
  public static OutputStream counting(OutputStream out, AtomicLong count) {
    return new FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        count.addAndGet(len);
      }
    };
  }

  /**
   * Waits (at most 60 s) until {@code counter} did not move for a second, four looks 250 ms apart
   * (a blocked writer); returns where it stopped.
   */
  public static long awaitStall(AtomicLong counter) {
    long[] last = {-1};
    int[] unchanged = {0};
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              long now = counter.get();
              unchanged[0] = now == last[0] ? unchanged[0] + 1 : 0;
              last[0] = now;
              return unchanged[0] >= 4;
            });
    return last[0];
  }
}
