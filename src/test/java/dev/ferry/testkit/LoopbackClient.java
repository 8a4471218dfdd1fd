package dev.ferry.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/** The application side of a test: a TCP client of a local listener (a forwarder, a target). */
public final class LoopbackClient {
  private LoopbackClient() {}

  /**
   * Connects to 127.0.0.1:{@code port} (within 5 s); reads time out after {@code readTimeout}, so a
   * test that waits for bytes that never come fails instead of hanging.
   */
  public static Socket connect(int port, Duration readTimeout) throws IOException {
    Socket s = new Socket();
    try {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout((int) readTimeout.toMillis());
      return s;
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }
}
