package dev.ferry.bench;

import dev.ferry.testkit.TimeBoxedServer;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/**
 * The target of {@code bench/run.sh}: listens on 127.0.0.1 and serves each connection according to
 * its first byte, so that every path under test carries the same bytes:
 *
 * <ul>
 *   <li>{@code 'D'} + u64 n: sends n bytes (download), then waits for the client to close;
 *   <li>{@code 'U'} + u64 n: discards n bytes (upload), then answers one byte {@code 'K'};
 *   <li>{@code 'P'}: echoes 64-byte messages one at a time (ping-pong) until end of stream;
 *   <li>{@code 'S'}: answers one byte {@code 'S'} at once (tunnel setup), then waits for close;
 *   <li>{@code 'M'}: a session of requests on the one connection until end of stream, for a path
 *       that carries one connection per process ({@code ferry stdio}): {@code 'S'} is answered
 *       {@code 'S'}, {@code 'D'} + u64 n with n bytes, {@code 'U'} + u64 n (then n bytes) with
 *       {@code 'K'} once all arrived.
 * </ul>
 *
 * No half-close is needed by any mode, so peers that do not carry it are measured fairly. Prints
 * {@code bench-target: PORT} once it accepts, and exits after its time limit.
 *
 * <p>Usage: {@code BenchTargetMain PORT [MAX_SECONDS]} (port 0: a free one).
 */
public final class BenchTargetMain {
  static final int PING_SIZE = 64;

  private BenchTargetMain() {}

  public static void main(String[] args) throws IOException {
    TimeBoxedServer.run("bench-target", args, 512, BenchTargetMain::serve);
  }

  static void serve(Socket s) {
    try (s;
        InputStream raw = s.getInputStream();
        OutputStream out = s.getOutputStream()) {
      s.setTcpNoDelay(true);
      DataInputStream in = new DataInputStream(raw);
      int mode = in.read();
      switch (mode) {
        case 'D' -> {
          send(out, in.readLong());
          drain(in);
        }
        case 'U' -> {
          if (receive(in, in.readLong())) {
            out.write('K');
            out.flush();
            drain(in);
          }
        }
        case 'P' -> {
          byte[] msg = new byte[PING_SIZE];
          while (true) {
            in.readFully(msg);
            out.write(msg);
            out.flush();
          }
        }
        case 'S' -> {
          out.write('S');
          out.flush();
          drain(in);
        }
        case 'M' -> session(in, out);
        default -> {
          // unknown mode or immediate close: nothing to serve
        }
      }
    } catch (IOException e) {
      // the client went away (the ping-pong ends this way)
    }
  }

  /** Serves 'S', 'D' and 'U' requests one after the other until end of stream. */
  private static void session(DataInputStream in, OutputStream out) throws IOException {
    int request;
    while ((request = in.read()) >= 0) {
      switch (request) {
        case 'S' -> out.write('S');
        case 'D' -> send(out, in.readLong());
        case 'U' -> {
          if (!receive(in, in.readLong())) {
            return;
          }
          out.write('K');
        }
        default -> {
          return; // not a request: the client is confused, end the session
        }
      }
      out.flush();
    }
  }

  private static void send(OutputStream out, long n) throws IOException {
    byte[] buf = new byte[256 * 1024];
    for (int i = 0; i < buf.length; i++) {
      buf[i] = (byte) (i * 31 + 7);
    }
    while (n > 0) {
      int k = (int) Math.min(buf.length, n);
      out.write(buf, 0, k);
      n -= k;
    }
    out.flush();
  }

  /** Reads and discards n bytes; false at an early end of stream. */
  private static boolean receive(InputStream in, long n) throws IOException {
    byte[] buf = new byte[256 * 1024];
    while (n > 0) {
      int k = in.read(buf, 0, (int) Math.min(buf.length, n));
      if (k < 0) {
        return false;
      }
      n -= k;
    }
    return true;
  }

  private static void drain(InputStream in) throws IOException {
    byte[] buf = new byte[8192];
    while (in.read(buf) >= 0) {
      // wait for the client's close
    }
  }
}
