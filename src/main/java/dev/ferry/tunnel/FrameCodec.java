package dev.ferry.tunnel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Encodes and decodes {@code ferry.v1} frames to and from the payload of a binary WebSocket
 * message. Layout (all integers big-endian), see docs/PROTOCOL.md:
 *
 * <pre>
 * DATA    00 payload...
 * EOF     01 u64 total-bytes-sent
 * ACK     02 u64 total-bytes-received
 * SESSION 03 utf-8 JSON object
 * NOTICE  04 u8 code, utf-8 message
 * TOKEN   05 compact JWT (ASCII, 1 … 16 KiB)
 * TOKEN_ACCEPTED 06 u64 exp (epoch seconds)
 * </pre>
 */
public final class FrameCodec {
  private static final ObjectMapper JSON = new ObjectMapper();

  private FrameCodec() {}

  /**
   * Wraps a DATA payload without copying it: the result owns {@code payload} (its reference count
   * is taken over).
   */
  public static ByteBuf data(ByteBufAllocator alloc, ByteBuf payload) {
    ByteBuf header = alloc.directBuffer(1, 1).writeByte(FrameType.DATA.code());
    CompositeByteBuf out = alloc.compositeDirectBuffer(2);
    out.addComponents(true, header, payload);
    return out;
  }

  public static ByteBuf eof(ByteBufAllocator alloc, long totalBytes) {
    return alloc.buffer(9, 9).writeByte(FrameType.EOF.code()).writeLong(totalBytes);
  }

  public static ByteBuf ack(ByteBufAllocator alloc, long totalBytes) {
    return alloc.buffer(9, 9).writeByte(FrameType.ACK.code()).writeLong(totalBytes);
  }

  public static ByteBuf session(ByteBufAllocator alloc, Frame.Session s) {
    ObjectNode node = JSON.createObjectNode();
    node.put("sessionId", s.sessionId());
    node.put("proxy", s.proxy());
    node.put("idleTimeoutMs", s.idleTimeoutMs());
    node.put("maxDurationMs", s.maxDurationMs());
    node.put("tokenExpiresAt", s.tokenExpiresAt());
    if (s.resumeWindowMs() > 0) {
      node.put("resumeWindowMs", s.resumeWindowMs());
    }
    byte[] json = node.toString().getBytes(StandardCharsets.UTF_8);
    return alloc.buffer(1 + json.length).writeByte(FrameType.SESSION.code()).writeBytes(json);
  }

  public static ByteBuf notice(ByteBufAllocator alloc, NoticeCode code, String message) {
    byte[] text = message.getBytes(StandardCharsets.UTF_8);
    return alloc
        .buffer(2 + text.length)
        .writeByte(FrameType.NOTICE.code())
        .writeByte(code.code())
        .writeBytes(text);
  }

  public static ByteBuf token(ByteBufAllocator alloc, String jwt) {
    byte[] bytes = jwt.getBytes(StandardCharsets.US_ASCII);
    return alloc.buffer(1 + bytes.length).writeByte(FrameType.TOKEN.code()).writeBytes(bytes);
  }

  public static ByteBuf tokenAccepted(ByteBufAllocator alloc, long expiresAt) {
    return alloc.buffer(9, 9).writeByte(FrameType.TOKEN_ACCEPTED.code()).writeLong(expiresAt);
  }

  /** Encodes any frame; DATA payloads are taken over as in {@link #data}. */
  public static ByteBuf encode(ByteBufAllocator alloc, Frame frame) {
    if (frame instanceof Frame.Data d) {
      return data(alloc, d.payload());
    } else if (frame instanceof Frame.Eof e) {
      return eof(alloc, e.totalBytes());
    } else if (frame instanceof Frame.Ack a) {
      return ack(alloc, a.totalBytes());
    } else if (frame instanceof Frame.Session s) {
      return session(alloc, s);
    } else if (frame instanceof Frame.Notice n) {
      return notice(alloc, n.code(), n.message());
    } else if (frame instanceof Frame.Token t) {
      return token(alloc, t.jwt());
    } else if (frame instanceof Frame.TokenAccepted a) {
      return tokenAccepted(alloc, a.expiresAt());
    }
    throw new IllegalArgumentException("unknown frame " + frame);
  }

  /**
   * Decodes one message. Does not release {@code message}; a DATA frame's payload is a retained
   * slice the caller must release.
   *
   * @return the frame, or null for an unknown type (receivers ignore those, for forward
   *     compatibility) or an unknown notice code
   * @throws ProtocolException when the message is malformed
   */
  public static Frame decode(ByteBuf message) {
    if (!message.isReadable()) {
      throw new ProtocolException("empty message");
    }
    int start = message.readerIndex();
    int length = message.readableBytes();
    FrameType type = FrameType.of(message.getUnsignedByte(start));
    if (type == null) {
      return null;
    }
    switch (type) {
      case DATA:
        if (length < 2) {
          throw new ProtocolException("DATA frame without payload");
        }
        if (length - 1 > Protocol.MAX_DATA_PAYLOAD) {
          throw new ProtocolException("DATA payload larger than " + Protocol.MAX_DATA_PAYLOAD);
        }
        return new Frame.Data(message.retainedSlice(start + 1, length - 1));
      case EOF:
        return new Frame.Eof(readCounter(message, start, length, "EOF"));
      case ACK:
        return new Frame.Ack(readCounter(message, start, length, "ACK"));
      case SESSION:
        return decodeSession(message.toString(start + 1, length - 1, StandardCharsets.UTF_8));
      case NOTICE:
        if (length < 2) {
          throw new ProtocolException("NOTICE frame without code");
        }
        NoticeCode code = NoticeCode.of(message.getUnsignedByte(start + 1));
        String text = message.toString(start + 2, length - 2, StandardCharsets.UTF_8);
        return code == null ? null : new Frame.Notice(code, text);
      case TOKEN:
        return decodeToken(message, start, length);
      case TOKEN_ACCEPTED:
        return new Frame.TokenAccepted(readCounter(message, start, length, "TOKEN_ACCEPTED"));
      default:
        return null;
    }
  }

  private static long readCounter(ByteBuf message, int start, int length, String what) {
    if (length != 9) {
      throw new ProtocolException(what + " frame must be 9 bytes, was " + length);
    }
    long value = message.getLong(start + 1);
    if (value < 0) {
      throw new ProtocolException(what + " counter is negative");
    }
    return value;
  }

  /** Checked before anything parses it: bounded, and only the compact JWT alphabet. */
  private static Frame.Token decodeToken(ByteBuf message, int start, int length) {
    int size = length - 1;
    if (size < 1) {
      throw new ProtocolException("TOKEN frame without a token");
    }
    if (size > Protocol.MAX_TOKEN_SIZE) {
      throw new ProtocolException("TOKEN larger than " + Protocol.MAX_TOKEN_SIZE + " bytes");
    }
    for (int i = start + 1; i < start + length; i++) {
      int b = message.getUnsignedByte(i);
      boolean ok =
          (b >= 'A' && b <= 'Z')
              || (b >= 'a' && b <= 'z')
              || (b >= '0' && b <= '9')
              || b == '-'
              || b == '_'
              || b == '.';
      if (!ok) {
        throw new ProtocolException("TOKEN frame is not a compact JWT");
      }
    }
    return new Frame.Token(message.toString(start + 1, size, StandardCharsets.US_ASCII));
  }

  private static Frame.Session decodeSession(String json) {
    try {
      JsonNode node = JSON.readTree(json);
      if (node == null || !node.isObject() || !node.path("sessionId").isTextual()) {
        throw new ProtocolException("SESSION frame is not a JSON object with a sessionId");
      }
      return new Frame.Session(
          node.path("sessionId").asText(),
          node.path("proxy").asText(""),
          node.path("idleTimeoutMs").asLong(0),
          node.path("maxDurationMs").asLong(0),
          node.path("tokenExpiresAt").asLong(0),
          node.path("resumeWindowMs").asLong(0));
    } catch (IOException e) {
      throw new ProtocolException("SESSION frame is not valid JSON: " + e.getMessage());
    }
  }
}
