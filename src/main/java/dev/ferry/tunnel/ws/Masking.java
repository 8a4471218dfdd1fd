package dev.ferry.tunnel.ws;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * WebSocket masking (RFC 6455 §5.3), in place: XOR with the 4-byte key repeated, which both masks
 * and unmasks. Works on the buffer's memory regions eight bytes at a time in the CPU's own byte
 * order (no byte swap per long), and on composite buffers region by region instead of through
 * {@code CompositeByteBuf.getLong}'s component lookup for every eight bytes.
 */
public final class Masking {
  private static final boolean LITTLE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

  private Masking() {}

  /**
   * XORs {@code buf}'s readable bytes with {@code key} (big-endian, as on the wire: the first
   * readable byte meets the key's most significant byte) repeated. Indices are left alone.
   */
  public static void maskInPlace(ByteBuf buf, int key) {
    int n = buf.readableBytes();
    if (n == 0) {
      return;
    }
    if (buf.nioBufferCount() == 1) {
      mask(buf.nioBuffer(buf.readerIndex(), n), key);
      return;
    }
    if (buf.nioBufferCount() > 1) {
      long done = 0;
      for (ByteBuffer region : buf.nioBuffers(buf.readerIndex(), n)) {
        int length = region.remaining();
        // A region that starts k bytes into the key meets it rotated by k bytes.
        mask(region, Integer.rotateLeft(key, 8 * (int) (done & 3)));
        done += length;
      }
      return;
    }
    int start = buf.readerIndex();
    for (int i = 0; i < n; i++) {
      buf.setByte(start + i, buf.getByte(start + i) ^ (key >>> (24 - 8 * (i & 3))));
    }
  }

  /** XORs {@code b}'s remaining bytes with {@code key} repeated; a view, so the caller's memory. */
  static void mask(ByteBuffer b, int key) {
    ByteBuffer v = b.duplicate().order(ByteOrder.nativeOrder());
    int base = v.position();
    int n = v.remaining();
    long key64 = (key & 0xFFFFFFFFL) | ((long) key << 32);
    if (LITTLE) {
      key64 = Long.reverseBytes(key64);
    }
    int i = 0;
    for (; i + 32 <= n; i += 32) {
      int p = base + i;
      v.putLong(p, v.getLong(p) ^ key64);
      v.putLong(p + 8, v.getLong(p + 8) ^ key64);
      v.putLong(p + 16, v.getLong(p + 16) ^ key64);
      v.putLong(p + 24, v.getLong(p + 24) ^ key64);
    }
    for (; i + 8 <= n; i += 8) {
      v.putLong(base + i, v.getLong(base + i) ^ key64);
    }
    for (; i < n; i++) {
      v.put(base + i, (byte) (v.get(base + i) ^ (key >>> (24 - 8 * (i & 3)))));
    }
  }
}
