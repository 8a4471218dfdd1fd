package dev.ferry.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.function.Consumer;

/**
 * The accept loop of the small TCP servers that shell scripts start ({@code EchoServerMain}, {@code
 * BenchTargetMain}): listens on 127.0.0.1, prints {@code NAME: PORT} once it accepts, serves each
 * connection on its own daemon thread, and exits the JVM after its time limit so that it never
 * outlives the script that forgot it.
 */
public final class TimeBoxedServer {
  private TimeBoxedServer() {}

  /**
   * Runs until the time limit; {@code args} are the main's {@code PORT [MAX_SECONDS]} (port 0: a
   * free one; 900 s when not given).
   */
  public static void run(String name, String[] args, int backlog, Consumer<Socket> serve)
      throws IOException {
    int port = Integer.parseInt(args[0]);
    long maxSeconds = args.length > 1 ? Long.parseLong(args[1]) : 900;
    ServerSocket server = new ServerSocket(port, backlog, InetAddress.getByName("127.0.0.1"));
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
    System.out.println(name + ": " + server.getLocalPort());
    System.out.flush();
    while (true) {
      Socket s = server.accept();
      Thread t = new Thread(() -> serve.accept(s), name + "-" + s.getPort());
      t.setDaemon(true);
      t.start();
    }
  }
}
