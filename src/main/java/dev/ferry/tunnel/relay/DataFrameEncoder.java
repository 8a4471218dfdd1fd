package dev.ferry.tunnel.relay;

import dev.ferry.tunnel.FrameType;
import dev.ferry.tunnel.ws.Masking;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes {@link DataFrame}s as one binary WebSocket message each (RFC 6455 §5.2; ferry.v1 DATA =
 * type byte 00, then the payload): a small header buffer (WebSocket header, mask key, type byte)
 * and the payload itself, which a client masks in place, eight bytes at a time. Everything else
 * passes on to Netty's WebSocket encoder.
 *
 * <p>Why not Netty's encoder: given the composite {@code 00 + payload} buffer, a client's {@code
 * WebSocket08FrameEncoder} masks through {@code CompositeByteBuf.getLong}, which checks access and
 * looks the component up for every 8 bytes, into a newly allocated buffer grown by each {@code
 * writeLong}: the top of a JFR profile of a 1 GiB transfer. The payload is the relay's own (just
 * read from TCP, reference count 1), so masking it in place is safe and saves the copy too; a
 * {@linkplain DataFrame#shared shared} payload (a resumable relay keeps it for replay) is masked
 * into a copy instead.
 */
final class DataFrameEncoder extends ChannelOutboundHandlerAdapter {
  private static final int FIN_BINARY = 0x82;

  private final boolean mask;

  /** {@code mask}: true on the client side, which must mask every frame it sends. */
  DataFrameEncoder(boolean mask) {
    this.mask = mask;
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!(msg instanceof DataFrame frame)) {
      ctx.write(msg, promise);
      return;
    }
    ByteBuf payload = frame.content();
    int length = payload.readableBytes() + 1;
    int lengthBytes = length <= 125 ? 0 : length <= 0xFFFF ? 2 : 8;
    ByteBuf header = ctx.alloc().directBuffer(2 + lengthBytes + (mask ? 4 : 0) + 1);
    header.writeByte(FIN_BINARY);
    int maskBit = mask ? 0x80 : 0;
    if (lengthBytes == 0) {
      header.writeByte(maskBit | length);
    } else if (lengthBytes == 2) {
      header.writeByte(maskBit | 126).writeShort(length);
    } else {
      header.writeByte(maskBit | 127).writeLong(length);
    }
    if (mask) {
      int key = ThreadLocalRandom.current().nextInt();
      header.writeInt(key);
      header.writeByte(FrameType.DATA.code() ^ (key >>> 24));
      // The payload starts at offset 1 of the message, so its bytes meet the key rotated by one.
      if (frame.shared) {
        // A replay buffer keeps these bytes for a resume: mask a copy, never the original.
        ByteBuf copy = ctx.alloc().directBuffer(length - 1, length - 1);
        copy.writeBytes(payload, payload.readerIndex(), length - 1);
        payload.release();
        payload = copy;
      }
      maskInPlace(payload, Integer.rotateLeft(key, 8));
    } else {
      header.writeByte(FrameType.DATA.code());
    }
    ctx.write(header, ctx.voidPromise());
    ctx.write(payload, promise);
  }

  /** XORs {@code payload}'s readable bytes with {@code key} repeated (big-endian), in place. */
  static void maskInPlace(ByteBuf payload, int key) {
    // Native byte order and four longs a round: half the samples of the big-endian loop.
    Masking.maskInPlace(payload, key);
  }
}
