package dev.ferry.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/**
 * A TCP echo server for shell-level runs ({@code docs/screenshots.sh}): listens on 127.0.0.1,
 * echoes every byte back, prints {@code echo: PORT} once it accepts, and exits after its time limit
 * (it never outlives a CI step).
 *
 * <p>Usage: {@code EchoServerMain PORT [MAX_SECONDS]} (port 0: a free one).
 */
public final class EchoServerMain {
  private EchoServerMain() {}

  public static void main(String[] args) throws IOException {
    TimeBoxedServer.run("echo", args, 50, EchoServerMain::echo);
  }

  private static void echo(Socket s) {
    try (s;
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream()) {
      in.transferTo(out);
    } catch (IOException e) {
      // the client went away
    }
  }
}
