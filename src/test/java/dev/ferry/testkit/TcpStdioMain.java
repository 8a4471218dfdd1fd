package dev.ferry.testkit;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;

/**
 * A tiny {@code nc HOST PORT} in Java: pipes stdin → a TCP connection → stdout, carrying half-close
 * both ways, and exits 0 when both directions have ended (1 if it cannot connect). Stands in for
 * {@code ferry stdio} in tests of {@link StdioBridge} and {@link SshTarget}, so those fixtures are
 * proven before the real CLI exists.
 *
 * <pre>{@code
 * List<String> argv = CliProcess.javaCommand(TcpStdioMain.class.getName(), "127.0.0.1", "2222");
 * try (StdioBridge bridge = StdioBridge.start(argv, Map.of())) { ... }
 * }</pre>
 */
public final class TcpStdioMain {
  private TcpStdioMain() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 2) {
      System.err.println("usage: TcpStdioMain HOST PORT");
      System.exit(1);
    }
    Socket socket;
    try {
      socket = new Socket(args[0], Integer.parseInt(args[1]));
    } catch (IOException e) {
      System.err.println("cannot connect to " + args[0] + ":" + args[1] + ": " + e.getMessage());
      System.exit(1);
      return;
    }
    Thread up =
        new Thread(
            () -> {
              try {
                Pipes.copy(new FileInputStream(FileDescriptor.in), socket.getOutputStream());
                socket.shutdownOutput();
              } catch (IOException e) {
                // socket gone
              }
            },
            "stdin-to-socket");
    up.setDaemon(true);
    up.start();
    try (OutputStream out = new FileOutputStream(FileDescriptor.out)) {
      Pipes.copy(socket.getInputStream(), out);
    } catch (IOException e) {
      // socket reset: fall through and exit
    }
    up.join();
    System.exit(0);
  }
}
