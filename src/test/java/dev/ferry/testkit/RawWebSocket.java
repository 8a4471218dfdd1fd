package dev.ferry.testkit;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client with no manners, for hostile-input tests: it writes whatever request head and
 * frames a test asks for (unmasked, oversized, fragmented, floods of pings) on a plain socket, and
 * reads the gateway's answer byte by byte. Every read has a timeout.
 */
public final class RawWebSocket implements AutoCloseable {
  public static final int CONTINUATION = 0x0;
  public static final int TEXT = 0x1;
  public static final int BINARY = 0x2;
  public static final int CLOSE = 0x8;
  public static final int PING = 0x9;

  private final Socket socket;
  private final OutputStream out;
  private final DataInputStream in;
  private int status;
  private String head = "";
  private String body = "";
  private boolean headOnly;

  private RawWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = new DataInputStream(socket.getInputStream());
  }

  /** A connected socket, nothing sent yet. */
  public static RawWebSocket connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
    s.setSoTimeout(20_000);
    return new RawWebSocket(s);
  }

  /** The headers of a correct ferry.v1 upgrade request (no Authorization). */
  public static Map<String, String> upgradeHeaders() {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Host", "127.0.0.1");
    h.put("Upgrade", "websocket");
    h.put("Connection", "Upgrade");
    h.put("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
    h.put("Sec-WebSocket-Version", "13");
    h.put("Sec-WebSocket-Protocol", "ferry.v1");
    return h;
  }

  /** Opens a tunnel with {@code token}; check {@link #status()} for 101. */
  public static RawWebSocket open(int port, String proxy, String token) throws IOException {
    Map<String, String> h = upgradeHeaders();
    h.put("Authorization", "Bearer " + token);
    RawWebSocket ws = connect(port);
    ws.request("GET", "/v1/tunnel/" + proxy, h);
    return ws;
  }

  /** Sends a request head (and no body) and reads the answer's head, plus its body if not 101. */
  public RawWebSocket request(String method, String path, Map<String, String> headers)
      throws IOException {
    StringBuilder b = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n");
    headers.forEach((k, v) -> b.append(k).append(": ").append(v).append("\r\n"));
    b.append("\r\n");
    headOnly = method.equals("HEAD");
    return sendHead(b.toString().getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Sends raw bytes as the request and reads the answer. */
  public RawWebSocket sendHead(byte[] raw) throws IOException {
    try {
      out.write(raw);
      out.flush();
    } catch (IOException e) {
      // The gateway may answer and stop reading before all of a huge head is written.
    }
    readAnswer();
    return this;
  }

  /** Writes bytes without reading anything (a stalled or trickling client). */
  public void write(byte[] raw) throws IOException {
    out.write(raw);
    out.flush();
  }

  /** Reads an HTTP answer: status line, headers, and a Content-Length body. 0 on EOF. */
  public void readAnswer() throws IOException {
    ByteArrayOutputStream h = new ByteArrayOutputStream();
    int last4 = 0;
    while (last4 != 0x0d0a0d0a) {
      int c;
      try {
        c = in.read();
      } catch (java.net.SocketException reset) {
        c = -1;
      }
      if (c < 0) {
        head = h.toString(StandardCharsets.ISO_8859_1);
        status = 0;
        return;
      }
      h.write(c);
      last4 = (last4 << 8) | c;
    }
    head = h.toString(StandardCharsets.ISO_8859_1);
    status = Integer.parseInt(head.substring(9, 12));
    int length = 0;
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    byte[] b = new byte[headOnly ? 0 : length];
    in.readFully(b);
    body = new String(b, StandardCharsets.UTF_8);
  }

  /** The answer's status, 0 when the gateway closed without one. */
  public int status() {
    return status;
  }

  public String head() {
    return head;
  }

  public String body() {
    return body;
  }

  /** Writes one frame; {@code masked} as a client must, or not, as an attacker may. */
  public void frame(int opcode, boolean fin, boolean masked, byte[] payload) throws IOException {
    frameHeader(opcode, fin, masked, payload.length);
    // With the zero mask frameHeader writes, masked bytes are the bytes themselves (RFC 6455 §5.3).
    out.write(payload);
    out.flush();
  }

  /**
   * Writes only a frame header announcing {@code length} payload bytes (masked, zero mask); the
   * caller decides how much payload follows.
   */
  public void frameHeader(int opcode, boolean fin, boolean masked, long length) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write((fin ? 0x80 : 0) | opcode);
    int maskBit = masked ? 0x80 : 0;
    if (length < 126) {
      b.write(maskBit | (int) length);
    } else if (length <= 0xFFFF) {
      b.write(maskBit | 126);
      b.write((int) (length >>> 8));
      b.write((int) length);
    } else {
      b.write(maskBit | 127);
      for (int i = 7; i >= 0; i--) {
        b.write((int) (length >>> (8 * i)));
      }
    }
    if (masked) {
      b.write(new byte[4]); // zero mask
    }
    out.write(b.toByteArray());
  }

  /** A masked binary ferry.v1 DATA frame. */
  public void data(byte[] payload) throws IOException {
    byte[] msg = new byte[payload.length + 1];
    System.arraycopy(payload, 0, msg, 1, payload.length);
    frame(BINARY, true, true, msg);
  }

  /** One frame from the gateway. */
  public record Frame(int opcode, byte[] payload) {
    /** The close code of a close frame, or -1. */
    public int closeCode() {
      return opcode == CLOSE && payload.length >= 2
          ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff)
          : -1;
    }

    public String closeReason() {
      return opcode == CLOSE && payload.length > 2
          ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8)
          : "";
    }
  }

  /** Reads one frame (the gateway never masks); null on EOF. */
  public Frame readFrame() throws IOException {
    int b0;
    try {
      b0 = in.read();
    } catch (java.net.SocketException reset) {
      return null;
    }
    if (b0 < 0) {
      return null;
    }
    int b1 = in.readUnsignedByte();
    long len = b1 & 0x7f;
    if (len == 126) {
      len = in.readUnsignedShort();
    } else if (len == 127) {
      len = in.readLong();
    }
    if (len > (1 << 20)) {
      throw new IOException("gateway sent a frame of " + len + " bytes");
    }
    byte[] p = new byte[(int) len];
    in.readFully(p);
    return new Frame(b0 & 0x0f, p);
  }

  /** Reads frames until a close frame (returned) or EOF / reset (null). */
  public Frame awaitClose() throws IOException {
    while (true) {
      Frame f;
      try {
        f = readFrame();
      } catch (EOFException | java.net.SocketException e) {
        return null;
      }
      if (f == null || f.opcode() == CLOSE) {
        return f;
      }
    }
  }

  /** True when the gateway closed the connection (EOF or reset) within the read timeout. */
  public boolean closedByPeer() throws IOException {
    try {
      while (in.read() >= 0) {
        // discard
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (java.net.SocketException e) {
      return true;
    }
  }

  public InputStream input() {
    return in;
  }

  public Socket socket() {
    return socket;
  }

  public static byte[] random(int n) {
    byte[] b = new byte[n];
    ThreadLocalRandom.current().nextBytes(b);
    return b;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
