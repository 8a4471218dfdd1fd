package dev.ferry.client.doctor;

import dev.ferry.client.net.ProxySettings;
import dev.ferry.client.tunnel.GatewayEndpoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * The doctor's own TCP connection to the gateway, directly or through an HTTP proxy's CONNECT,
 * written out step by step (blocking sockets) so that each step can be reported on its own.
 */
final class PathProbe {
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final int MAX_PROXY_ANSWER = 16 * 1024;

  private PathProbe() {}

  /** A failed step, in words that name who failed. */
  static final class StepFailure extends IOException {
    private static final long serialVersionUID = 1L;

    StepFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Connects straight to {@code address}. */
  static Socket direct(InetAddress address, int port) throws IOException {
    Socket s = new Socket();
    try {
      s.connect(new InetSocketAddress(address, port), (int) TIMEOUT.toMillis());
      s.setSoTimeout((int) TIMEOUT.toMillis());
      return s;
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  /**
   * Connects to {@code proxy} and asks it to CONNECT to the gateway; returns the tunnelled socket.
   *
   * @throws StepFailure naming the proxy when it cannot be reached or refuses
   */
  static Socket throughProxy(ProxySettings.HttpProxy proxy, GatewayEndpoint gw) throws StepFailure {
    Socket s = new Socket();
    try {
      s.connect(new InetSocketAddress(proxy.host(), proxy.port()), (int) TIMEOUT.toMillis());
      s.setSoTimeout((int) TIMEOUT.toMillis());
    } catch (IOException e) {
      closeQuietly(s);
      throw new StepFailure(proxy.describe() + " unreachable: " + message(e), e);
    }
    String target = (gw.host().contains(":") ? "[" + gw.host() + "]" : gw.host()) + ":" + gw.port();
    StringBuilder req =
        new StringBuilder("CONNECT ")
            .append(target)
            .append(" HTTP/1.1\r\nHost: ")
            .append(target)
            .append("\r\n");
    if (proxy.hasCredentials()) {
      String basic =
          Base64.getEncoder()
              .encodeToString(
                  (proxy.user() + ":" + proxy.password()).getBytes(StandardCharsets.UTF_8));
      req.append("Proxy-Authorization: Basic ").append(basic).append("\r\n");
    }
    req.append("\r\n");
    String status;
    try {
      OutputStream out = s.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      status = readHead(s.getInputStream());
    } catch (IOException e) {
      closeQuietly(s);
      throw new StepFailure(
          proxy.describe() + " did not answer CONNECT to " + target + ": " + message(e), e);
    }
    String[] parts = status.split(" ", 3);
    if (parts.length < 2 || !parts[1].equals("200")) {
      closeQuietly(s);
      String answer =
          parts.length < 2 ? status : parts[1] + (parts.length > 2 ? " " + parts[2] : "");
      throw new StepFailure(
          proxy.describe() + " refused CONNECT to " + target + ": " + answer, null);
    }
    return s;
  }

  /** Reads the proxy's status line and headers (up to the blank line); returns the status line. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed");
      }
      if (head.size() >= MAX_PROXY_ANSWER) {
        throw new IOException("answer too long");
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String text = head.toString(StandardCharsets.ISO_8859_1);
    int eol = text.indexOf("\r\n");
    return eol < 0 ? text : text.substring(0, eol);
  }

  static String message(Throwable e) {
    if (e instanceof java.net.ConnectException) {
      return "connection refused";
    }
    if (e instanceof java.net.SocketTimeoutException) {
      return "timed out after " + TIMEOUT.toSeconds() + "s";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // nothing to report about a socket we are giving up on
    }
  }
}
