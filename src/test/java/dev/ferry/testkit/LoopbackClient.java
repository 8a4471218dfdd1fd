package dev.ferry.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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

  /**
   * Writes {@code text} to {@code s} and asserts that the same text comes back (the far end is an
   * echo target); a read timeout set on {@code s} bounds the wait.
   */
  public static void echo(Socket s, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    s.getOutputStream().write(bytes);
    s.getOutputStream().flush();
    byte[] back = s.getInputStream().readNBytes(bytes.length);
    assertThat(new String(back, StandardCharsets.UTF_8)).isEqualTo(text);
  }
}
