package dev.ferry.tunnel.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Decodes WebSocket frames (RFC 6455 §5) like Netty's {@code WebSocket08FrameDecoder}, with the
 * same checks and the same {@link WebSocketDecoderConfig}, but without copying payloads: each
 * frame's payload is a retained slice of what was read, unmasked in place eight bytes at a time,
 * and reads are gathered in a composite buffer, so a frame that straddles two reads is not
 * reassembled either.
 *
 * <p>Why: Netty's decoder copies every payload into a new buffer ({@code ByteBufUtil.readBytes})
 * and unmasks it through {@code getLong/setLong} with their checks per eight bytes; on the gateway
 * of a 1 GiB upload that copy and unmask were a fifth of all samples.
 */
public final class SlicingFrameDecoder extends ByteToMessageDecoder
    implements WebSocketFrameDecoder {
  private static final int OPCODE_CONT = 0x0;
  private static final int OPCODE_TEXT = 0x1;
  private static final int OPCODE_BINARY = 0x2;
  private static final int OPCODE_CLOSE = 0x8;
  private static final int OPCODE_PING = 0x9;
  private static final int OPCODE_PONG = 0xA;

  private final WebSocketDecoderConfig config;
  private int fragmentedFrames;
  private boolean closeReceived;
  private boolean corrupt;

  /**
   * Reads of a WebSocket channel: up to a few whole DATA frames at once, so most frames arrive in
   * one read. Set it before the channel's first read (in its initializer): Netty keeps the
   * allocator's handle from then on.
   */
  public static RecvByteBufAllocator recvAllocator() {
    return new AdaptiveRecvByteBufAllocator(512, 64 * 1024, 256 * 1024);
  }

  public SlicingFrameDecoder(WebSocketDecoderConfig config) {
    this.config = config;
    setCumulator(SlicingFrameDecoder::gather);
  }

  /**
   * A fresh composite of the unread rest (at most one partial frame) and the new read, never a
   * copy. Not Netty's {@code COMPOSITE_CUMULATOR}: that one keeps appending to a composite nobody
   * else holds, and the payload slices pay for every component it ever had ({@code isDirect} and
   * {@code nioBufferCount} walk them all on each write).
   */
  private static ByteBuf gather(ByteBufAllocator alloc, ByteBuf cumulation, ByteBuf in) {
    if (!cumulation.isReadable()) {
      cumulation.release();
      return in;
    }
    CompositeByteBuf gathered = alloc.compositeBuffer(Integer.MAX_VALUE);
    try {
      gathered.addFlattenedComponents(true, cumulation);
    } catch (RuntimeException e) {
      gathered.release();
      in.release();
      throw e;
    }
    gathered.addComponent(true, in);
    return gathered;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (closeReceived || corrupt) {
      // After a close frame nothing counts (RFC 6455 §5.5.1); after a violation nothing can.
      in.skipBytes(in.readableBytes());
      return;
    }
    // Headers are parsed without consuming until the whole frame is there: a frame is taken whole
    // or not at all, so there is no state between reads.
    int start = in.readerIndex();
    int readable = in.readableBytes();
    if (readable < 2) {
      return;
    }
    int b0 = in.getUnsignedByte(start);
    int b1 = in.getUnsignedByte(start + 1);
    boolean fin = (b0 & 0x80) != 0;
    int rsv = (b0 & 0x70) >> 4;
    int opcode = b0 & 0x0F;
    boolean masked = (b1 & 0x80) != 0;
    int len1 = b1 & 0x7F;
    checkHeader(ctx, in, fin, rsv, opcode, masked, len1);
    int headerLength = 2 + (len1 == 126 ? 2 : len1 == 127 ? 8 : 0) + (masked ? 4 : 0);
    if (readable < headerLength) {
      return;
    }
    long length;
    if (len1 == 126) {
      length = in.getUnsignedShort(start + 2);
      if (length < 126) {
        throw violation(ctx, in, "invalid data frame length (not using minimal length encoding)");
      }
    } else if (len1 == 127) {
      length = in.getLong(start + 2);
      if (length < 0) {
        throw violation(ctx, in, "invalid data frame length (negative length)");
      }
      if (length < 65536) {
        throw violation(ctx, in, "invalid data frame length (not using minimal length encoding)");
      }
    } else {
      length = len1;
    }
    if (length > config.maxFramePayloadLength()) {
      throw violation(
          ctx,
          in,
          WebSocketCloseStatus.MESSAGE_TOO_BIG,
          "Max frame length of " + config.maxFramePayloadLength() + " has been exceeded.");
    }
    if (readable - headerLength < length) {
      return;
    }
    int key = masked ? in.getInt(start + headerLength - 4) : 0;
    in.skipBytes(headerLength);
    ByteBuf payload = length == 0 ? Unpooled.EMPTY_BUFFER : in.readRetainedSlice((int) length);
    if (masked && key != 0) {
      Masking.maskInPlace(payload, key);
    }
    out.add(frame(ctx, in, fin, rsv, opcode, payload));
  }

  private void checkHeader(
      ChannelHandlerContext ctx,
      ByteBuf in,
      boolean fin,
      int rsv,
      int opcode,
      boolean masked,
      int len1) {
    if (rsv != 0 && !config.allowExtensions()) {
      throw violation(ctx, in, "RSV != 0 and no extension negotiated, RSV:" + rsv);
    }
    if (!config.allowMaskMismatch() && config.expectMaskedFrames() != masked) {
      throw violation(ctx, in, "received a frame that is not masked as expected");
    }
    if (opcode > 7) {
      if (!fin) {
        throw violation(ctx, in, "fragmented control frame");
      }
      if (len1 > 125) {
        throw violation(ctx, in, "control frame with payload length > 125 octets");
      }
      if (opcode != OPCODE_CLOSE && opcode != OPCODE_PING && opcode != OPCODE_PONG) {
        throw violation(ctx, in, "control frame using reserved opcode " + opcode);
      }
      if (opcode == OPCODE_CLOSE && len1 == 1) {
        throw violation(ctx, in, "received close control frame with payload len 1");
      }
    } else {
      if (opcode != OPCODE_CONT && opcode != OPCODE_TEXT && opcode != OPCODE_BINARY) {
        throw violation(ctx, in, "data frame using reserved opcode " + opcode);
      }
      if (fragmentedFrames == 0 && opcode == OPCODE_CONT) {
        throw violation(ctx, in, "received continuation data frame outside fragmented message");
      }
      if (fragmentedFrames != 0 && opcode != OPCODE_CONT) {
        throw violation(
            ctx, in, "received non-continuation data frame while inside fragmented message");
      }
    }
  }

  private WebSocketFrame frame(
      ChannelHandlerContext ctx, ByteBuf in, boolean fin, int rsv, int opcode, ByteBuf payload) {
    switch (opcode) {
      case OPCODE_PING:
        return new PingWebSocketFrame(fin, rsv, payload);
      case OPCODE_PONG:
        return new PongWebSocketFrame(fin, rsv, payload);
      case OPCODE_CLOSE:
        closeReceived = true;
        try {
          checkCloseBody(ctx, in, payload);
        } catch (RuntimeException e) {
          payload.release();
          throw e;
        }
        return new CloseWebSocketFrame(fin, rsv, payload);
      default:
        fragmentedFrames = fin ? 0 : fragmentedFrames + 1;
        if (opcode == OPCODE_BINARY) {
          return new BinaryWebSocketFrame(fin, rsv, payload);
        }
        if (opcode == OPCODE_TEXT) {
          return new TextWebSocketFrame(fin, rsv, payload);
        }
        return new ContinuationWebSocketFrame(fin, rsv, payload);
    }
  }

  private void checkCloseBody(ChannelHandlerContext ctx, ByteBuf in, ByteBuf body) {
    if (!body.isReadable()) {
      return;
    }
    int code = body.getShort(body.readerIndex());
    if (!WebSocketCloseStatus.isValidStatusCode(code)) {
      throw violation(ctx, in, "Invalid close frame getStatus code: " + code);
    }
    if (body.readableBytes() > 2) {
      try {
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(body.nioBuffer(body.readerIndex() + 2, body.readableBytes() - 2));
      } catch (CharacterCodingException e) {
        throw violation(ctx, in, WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "bytes are not UTF-8");
      }
    }
  }

  private CorruptedWebSocketFrameException violation(
      ChannelHandlerContext ctx, ByteBuf in, String reason) {
    return violation(ctx, in, WebSocketCloseStatus.PROTOCOL_ERROR, reason);
  }

  /** As Netty's decoder: drop the rest, optionally answer with a close frame, then raise. */
  private CorruptedWebSocketFrameException violation(
      ChannelHandlerContext ctx, ByteBuf in, WebSocketCloseStatus status, String reason) {
    corrupt = true;
    in.skipBytes(in.readableBytes());
    if (ctx.channel().isActive() && config.closeOnProtocolViolation()) {
      Object close =
          closeReceived ? Unpooled.EMPTY_BUFFER : new CloseWebSocketFrame(status, reason);
      ctx.writeAndFlush(close).addListener(ChannelFutureListener.CLOSE);
    }
    return new CorruptedWebSocketFrameException(status, reason);
  }
}
