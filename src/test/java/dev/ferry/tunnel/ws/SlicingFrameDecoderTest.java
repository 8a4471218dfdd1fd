package dev.ferry.tunnel.ws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The slicing decoder against Netty's own encoder: same frames back whatever the read boundaries,
 * and the same protocol violations refused.
 */
class SlicingFrameDecoderTest {
  private static final int MAX = 64 * 1024 + 1;

  static WebSocketDecoderConfig config(boolean expectMasked) {
    return WebSocketDecoderConfig.newBuilder()
        .maxFramePayloadLength(MAX)
        .expectMaskedFrames(expectMasked)
        .allowMaskMismatch(false)
        .allowExtensions(false)
        .closeOnProtocolViolation(false)
        .build();
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** What Netty's encoder writes for {@code frames}, as one array. */
  static byte[] encode(boolean mask, List<Supplier<WebSocketFrame>> frames) {
    EmbeddedChannel enc = new EmbeddedChannel(new WebSocket08FrameEncoder(mask));
    for (Supplier<WebSocketFrame> f : frames) {
      enc.writeOutbound(f.get());
    }
    ByteBuf all = Unpooled.buffer();
    for (ByteBuf b; (b = enc.readOutbound()) != null; ) {
      all.writeBytes(b);
      b.release();
    }
    enc.finishAndReleaseAll();
    byte[] bytes = ByteBufUtil.getBytes(all);
    all.release();
    return bytes;
  }

  /** Feeds {@code wire} in pieces of {@code step} bytes (0: random sizes) and collects frames. */
  static List<WebSocketFrame> decode(boolean expectMasked, byte[] wire, int step) {
    EmbeddedChannel dec = new EmbeddedChannel(new SlicingFrameDecoder(config(expectMasked)));
    Random sizes = new Random(step);
    for (int i = 0; i < wire.length; ) {
      int n = step > 0 ? step : 1 + sizes.nextInt(100_000);
      n = Math.min(n, wire.length - i);
      // Direct buffers, like socket reads, so the masking works on native memory.
      ByteBuf piece = dec.alloc().directBuffer(n).writeBytes(wire, i, n);
      dec.writeInbound(piece);
      i += n;
    }
    List<WebSocketFrame> frames = new ArrayList<>();
    for (WebSocketFrame f; (f = dec.readInbound()) != null; ) {
      frames.add(f);
    }
    dec.finishAndReleaseAll();
    return frames;
  }

  static List<Supplier<WebSocketFrame>> sampleFrames() {
    return sampleFrames(new int[] {1, 7, 125, 126, 127, 4096, 65535, 65536, MAX, 0, 3});
  }

  static List<Supplier<WebSocketFrame>> sampleFrames(int[] sizes) {
    List<Supplier<WebSocketFrame>> frames = new ArrayList<>();
    for (int size : sizes) {
      byte[] payload = random(size, size);
      frames.add(() -> new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload)));
    }
    frames.add(() -> new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})));
    frames.add(() -> new PongWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {4})));
    frames.add(() -> new TextWebSocketFrame(false, 0, "frag"));
    frames.add(() -> new ContinuationWebSocketFrame(true, 0, "ment"));
    frames.add(() -> new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE, "bye ✓"));
    return frames;
  }

  @Test
  @DisplayName("masked and unmasked frames come back as sent, however the reads split them")
  void roundTrip() {
    for (boolean masked : new boolean[] {true, false}) {
      // Byte by byte only over small frames: paranoid leak detection makes that slow.
      check(masked, sampleFrames(new int[] {1, 7, 125, 126, 300, 0}), new int[] {1, 3});
      check(masked, sampleFrames(), new int[] {4096, 65536 + 5, 256 * 1024, 0});
    }
  }

  static void check(boolean masked, List<Supplier<WebSocketFrame>> sent, int[] steps) {
    byte[] wire = encode(masked, sent);
    for (int step : steps) {
      List<WebSocketFrame> got = decode(masked, wire, step);
      assertThat(got).as("frames, masked=%s step=%d", masked, step).hasSize(sent.size());
      for (int i = 0; i < got.size(); i++) {
        WebSocketFrame want = sent.get(i).get();
        WebSocketFrame have = got.get(i);
        assertThat(have.getClass()).isEqualTo(want.getClass());
        assertThat(have.isFinalFragment()).isEqualTo(want.isFinalFragment());
        assertThat(ByteBufUtil.getBytes(have.content()))
            .as("payload of frame %d, masked=%s step=%d", i, masked, step)
            .isEqualTo(ByteBufUtil.getBytes(want.content()));
        want.release();
        have.release();
      }
    }
  }

  @Test
  @DisplayName("masking a composite buffer region by region equals masking byte by byte")
  void maskingAcrossComponents() {
    int key = 0x9A3F_C215;
    byte[] data = random(1000, 7);
    CompositeByteBuf c = Unpooled.compositeBuffer();
    int[] cuts = {0, 3, 4, 13, 14, 500, 501, 1000};
    for (int i = 0; i + 1 < cuts.length; i++) {
      c.addComponent(
          true, Unpooled.directBuffer(64).writeBytes(data, cuts[i], cuts[i + 1] - cuts[i]));
    }
    c.readerIndex(1); // starts inside the first component
    Masking.maskInPlace(c, key);
    byte[] masked = ByteBufUtil.getBytes(c);
    for (int i = 0; i < masked.length; i++) {
      byte expected = (byte) (data[i + 1] ^ (key >>> (24 - 8 * (i & 3))));
      assertThat(masked[i]).as("byte %d", i).isEqualTo(expected);
    }
    c.release();
  }

  static void assertRefused(boolean expectMasked, byte[] wire, String reason) {
    EmbeddedChannel dec = new EmbeddedChannel(new SlicingFrameDecoder(config(expectMasked)));
    assertThatThrownBy(() -> dec.writeInbound(Unpooled.wrappedBuffer(wire)))
        .isInstanceOf(CorruptedWebSocketFrameException.class)
        .hasMessageContaining(reason);
    // Nothing after a violation is decoded.
    dec.writeInbound(Unpooled.wrappedBuffer(encode(!expectMasked, sampleFrames())));
    assertThat((Object) dec.readInbound()).isNull();
    dec.finishAndReleaseAll();
  }

  @Test
  @DisplayName("protocol violations are refused as Netty's decoder refuses them")
  void violations() {
    assertRefused(true, new byte[] {(byte) 0x82, 0x01, 0x00}, "not masked as expected");
    assertRefused(false, new byte[] {(byte) 0x82, (byte) 0x81, 0, 0, 0, 0, 0}, "not masked");
    assertRefused(false, new byte[] {(byte) 0xC2, 0x00}, "RSV");
    assertRefused(false, new byte[] {0x09, 0x00}, "fragmented control frame");
    assertRefused(false, new byte[] {(byte) 0x89, 126, 0, (byte) 200}, "payload length > 125");
    assertRefused(false, new byte[] {(byte) 0x8B, 0x00}, "reserved opcode");
    assertRefused(false, new byte[] {(byte) 0x83, 0x00}, "reserved opcode");
    assertRefused(false, new byte[] {(byte) 0x80, 0x00}, "continuation data frame outside");
    assertRefused(false, new byte[] {(byte) 0x82, 126, 0, 5}, "minimal length encoding");
    assertRefused(false, new byte[] {(byte) 0x88, 0x01, 0x03}, "payload len 1");
    assertRefused(false, new byte[] {(byte) 0x88, 0x02, 0x00, 0x01}, "Invalid close frame");
    assertRefused(
        false, new byte[] {(byte) 0x88, 0x04, 0x03, (byte) 0xE8, (byte) 0xC3, 0x28}, "UTF-8");
    byte[] tooBig = {(byte) 0x82, 127, 0, 0, 0, 0, 0, 1, 0, 2};
    EmbeddedChannel dec = new EmbeddedChannel(new SlicingFrameDecoder(config(false)));
    assertThatThrownBy(() -> dec.writeInbound(Unpooled.wrappedBuffer(tooBig)))
        .isInstanceOfSatisfying(
            CorruptedWebSocketFrameException.class,
            e -> assertThat(e.closeStatus()).isEqualTo(WebSocketCloseStatus.MESSAGE_TOO_BIG));
    dec.finishAndReleaseAll();
  }
}
