package dev.ferry.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
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
    int port = Integer.parseInt(args[0]);
    long maxSeconds = args.length > 1 ? Long.parseLong(args[1]) : 900;
    ServerSocket server = new ServerSocket(port, 50, InetAddress.getByName("127.0.0.1"));
    Thread limit =
        new Thread(
            () -> {
              try {
                Thread.sleep(maxSeconds * 1000);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              System.exit(0);
            });
    limit.setDaemon(true);
    limit.start();
    System.out.println("echo: " + server.getLocalPort());
    System.out.flush();
    while (true) {
      Socket s = server.accept();
      Thread t = new Thread(() -> echo(s), "echo-" + s.getPort());
      t.setDaemon(true);
      t.start();
    }
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
