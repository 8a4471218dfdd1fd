package dev.ferry.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.testkit.HostileTally;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Random bytes against {@link FrameCodec#decode}: whatever arrives, the codec answers with a frame,
 * null (an unknown type, ignored) or a {@link ProtocolException}, never another exception; it never
 * hands out a DATA payload past the cap; and it allocates nothing for DATA (the payload is a slice
 * of the message, so a peer cannot make it copy).
 */
class FrameCodecPropertiesTest {
  static final AtomicLong tried = new AtomicLong();
  static final AtomicLong accepted = new AtomicLong();

  @Provide
  Arbitrary<byte[]> messages() {
    Arbitrary<byte[]> anyBytes = Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(64);
    // Messages that start with a known type byte reach the interesting branches more often.
    Arbitrary<byte[]> typed =
        Arbitraries.integers()
            .between(0, 5)
            .flatMap(
                type ->
                    Arbitraries.bytes()
                        .array(byte[].class)
                        .ofMinSize(0)
                        .ofMaxSize(40)
                        .map(
                            rest -> {
                              byte[] m = new byte[rest.length + 1];
                              m[0] = (byte) (int) type;
                              System.arraycopy(rest, 0, m, 1, rest.length);
                              return m;
                            }));
    Arbitrary<byte[]> sizes =
        Arbitraries.integers()
            .between(Protocol.MAX_DATA_PAYLOAD - 2, Protocol.MAX_DATA_PAYLOAD + 3)
            .map(n -> new byte[n]);
    return Arbitraries.oneOf(anyBytes, typed, sizes);
  }

  @Property(tries = 3000)
  void randomBytesOnlyEverFailWithProtocolException(@ForAll("messages") byte[] bytes) {
    tried.incrementAndGet();
    ByteBuf message = Unpooled.wrappedBuffer(bytes);
    try {
      Frame frame = FrameCodec.decode(message);
      if (frame instanceof Frame.Data data) {
        ByteBuf payload = data.payload();
        try {
          assertThat(payload.readableBytes()).isBetween(1, Protocol.MAX_DATA_PAYLOAD);
          // A view of the message: no copy was made of what the peer sent.
          assertThat(payload.unwrap())
              .isSameAs(message.unwrap() != null ? message.unwrap() : message);
        } finally {
          payload.release();
        }
      }
      if (frame != null && !(frame instanceof Frame.Data) && isMalformedControl(bytes)) {
        accepted.incrementAndGet();
      }
    } catch (ProtocolException expected) {
      // refused with a reason: fine
    } finally {
      assertThat(message.refCnt()).as("decode neither releases nor keeps the message").isEqualTo(1);
      message.release();
    }
  }

  /** EOF and ACK are exactly 9 bytes with a non-negative counter; anything else must be refused. */
  private static boolean isMalformedControl(byte[] b) {
    if (b.length == 0) {
      return true;
    }
    int type = b[0] & 0xff;
    if (type == FrameType.EOF.code() || type == FrameType.ACK.code()) {
      return b.length != 9 || b[1] < 0;
    }
    return false;
  }

  @Property(tries = 500)
  void encodedFramesDecodeToThemselves(
      @ForAll("counters") long total, @ForAll("payloads") byte[] payload) {
    ByteBuf eof = FrameCodec.eof(Unpooled.buffer().alloc(), total);
    ByteBuf ack = FrameCodec.ack(Unpooled.buffer().alloc(), total);
    ByteBuf data = FrameCodec.data(Unpooled.buffer().alloc(), Unpooled.wrappedBuffer(payload));
    try {
      assertThat(FrameCodec.decode(eof)).isEqualTo(new Frame.Eof(total));
      assertThat(FrameCodec.decode(ack)).isEqualTo(new Frame.Ack(total));
      Frame.Data d = (Frame.Data) FrameCodec.decode(data);
      byte[] back = new byte[d.payload().readableBytes()];
      d.payload().getBytes(d.payload().readerIndex(), back);
      d.payload().release();
      assertThat(back).isEqualTo(payload);
    } finally {
      eof.release();
      ack.release();
      data.release();
    }
  }

  @Provide
  Arbitrary<Long> counters() {
    return Arbitraries.longs().between(0, Long.MAX_VALUE);
  }

  @Provide
  Arbitrary<byte[]> payloads() {
    return Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(2048);
  }

  @AfterContainer
  static void tally() {
    HostileTally.record("frame codec random messages", tried.get(), accepted.get());
  }
}
