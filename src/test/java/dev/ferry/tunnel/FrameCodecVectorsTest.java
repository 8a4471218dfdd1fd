package dev.ferry.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The test vectors of docs/PROTOCOL.md §5, checked in both directions. */
class FrameCodecVectorsTest {
  private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

  private static String hex(ByteBuf buf) {
    try {
      return ByteBufUtil.hexDump(buf);
    } finally {
      buf.release();
    }
  }

  private static ByteBuf bytes(String hex) {
    return Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex.replace(" ", "")));
  }

  private static Frame decode(String hex) {
    ByteBuf in = bytes(hex);
    try {
      return FrameCodec.decode(in);
    } finally {
      in.release();
    }
  }

  @Nested
  @DisplayName("encoding gives the documented bytes")
  class Encoding {
    @Test
    void data() {
      ByteBuf payload = ALLOC.buffer().writeBytes("hi".getBytes(StandardCharsets.US_ASCII));
      assertThat(hex(FrameCodec.data(ALLOC, payload))).isEqualTo("006869");
    }

    @Test
    void eof() {
      assertThat(hex(FrameCodec.eof(ALLOC, 5))).isEqualTo("010000000000000005");
    }

    @Test
    void ack() {
      assertThat(hex(FrameCodec.ack(ALLOC, 65_536))).isEqualTo("020000000000010000");
      assertThat(hex(FrameCodec.ack(ALLOC, 1L << 40))).isEqualTo("020000010000000000");
    }

    @Test
    void notices() {
      assertThat(hex(FrameCodec.notice(ALLOC, NoticeCode.DRAINING, "bye"))).isEqualTo("0401627965");
      assertThat(hex(FrameCodec.notice(ALLOC, NoticeCode.CLOSING, "idle")))
          .isEqualTo("040369646c65");
    }

    @Test
    void token() {
      assertThat(hex(FrameCodec.token(ALLOC, "a.b-c_9"))).isEqualTo("05612e622d635f39");
      assertThat(hex(FrameCodec.tokenAccepted(ALLOC, 1_767_225_600L)))
          .isEqualTo("06000000006955b900");
    }

    @Test
    void session() {
      String json =
          "{\"sessionId\":\"s1\",\"proxy\":\"p\",\"idleTimeoutMs\":0,\"maxDurationMs\":0,"
              + "\"tokenExpiresAt\":0}";
      String expected =
          "03" + ByteBufUtil.hexDump(json.getBytes(StandardCharsets.UTF_8)).toLowerCase();
      assertThat(hex(FrameCodec.session(ALLOC, new Frame.Session("s1", "p", 0, 0, 0))))
          .isEqualTo(expected);
    }

    @Test
    void resumableSession() {
      String json =
          "{\"sessionId\":\"s1\",\"proxy\":\"p\",\"idleTimeoutMs\":0,\"maxDurationMs\":0,"
              + "\"tokenExpiresAt\":0,\"resumeWindowMs\":60000}";
      String expected =
          "03" + ByteBufUtil.hexDump(json.getBytes(StandardCharsets.UTF_8)).toLowerCase();
      assertThat(hex(FrameCodec.session(ALLOC, new Frame.Session("s1", "p", 0, 0, 0, 60_000))))
          .isEqualTo(expected);
    }
  }

  @Nested
  @DisplayName("decoding the documented bytes gives the frames")
  class Decoding {
    @Test
    void data() {
      Frame frame = decode("00 68 69");
      assertThat(frame).isInstanceOf(Frame.Data.class);
      ByteBuf payload = ((Frame.Data) frame).payload();
      try {
        assertThat(payload.toString(StandardCharsets.US_ASCII)).isEqualTo("hi");
      } finally {
        payload.release();
      }
    }

    @Test
    void counters() {
      assertThat(decode("01 00 00 00 00 00 00 00 05")).isEqualTo(new Frame.Eof(5));
      assertThat(decode("02 00 00 00 00 00 01 00 00")).isEqualTo(new Frame.Ack(65_536));
      assertThat(decode("02 00 00 01 00 00 00 00 00")).isEqualTo(new Frame.Ack(1L << 40));
    }

    @Test
    void notices() {
      assertThat(decode("04 01 62 79 65")).isEqualTo(new Frame.Notice(NoticeCode.DRAINING, "bye"));
      assertThat(decode("04 03 69 64 6c 65"))
          .isEqualTo(new Frame.Notice(NoticeCode.CLOSING, "idle"));
    }

    @Test
    void token() {
      assertThat(decode("05 61 2e 62 2d 63 5f 39")).isEqualTo(new Frame.Token("a.b-c_9"));
      assertThat(decode("06 00 00 00 00 69 55 b9 00"))
          .isEqualTo(new Frame.TokenAccepted(1_767_225_600L));
      // Logging a frame never shows the token.
      assertThat(new Frame.Token("eyJsecret").toString()).doesNotContain("eyJ");
    }

    @Test
    void sessionRoundTrip() {
      Frame.Session s = new Frame.Session("abc", "orders-db", 1_800_000, 43_200_000, 1_767_225_600);
      ByteBuf encoded = FrameCodec.session(ALLOC, s);
      try {
        assertThat(FrameCodec.decode(encoded)).isEqualTo(s);
      } finally {
        encoded.release();
      }
    }

    @Test
    void resumableSessionRoundTrip() {
      Frame.Session s = new Frame.Session("abc", "orders-db", 0, 0, 0, 60_000);
      ByteBuf encoded = FrameCodec.session(ALLOC, s);
      try {
        assertThat(FrameCodec.decode(encoded)).isEqualTo(s);
      } finally {
        encoded.release();
      }
    }

    @Test
    void unknownTypesAndCodesAreIgnored() {
      assertThat(decode("7f 01 02")).isNull();
      assertThat(decode("04 63 78")).isNull();
    }
  }

  @Nested
  @DisplayName("malformed messages are protocol errors")
  class Malformed {
    @ParameterizedTest
    @ValueSource(
        strings = {
          "00",
          "01 00 00 00",
          "02 00 00 00 00 00 00 00 00 00 00",
          "01 80 00 00 00 00 00 00 00",
          "02 ff ff ff ff ff ff ff ff",
          "04",
          "03 7b",
          "03 5b 5d",
          "05",
          "05 61 20 62",
          "05 61 0a",
          "06 00 00 00 00",
          "06 80 00 00 00 00 00 00 00"
        })
    void refused(String hex) {
      assertThatThrownBy(() -> decode(hex)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void oversizedToken() {
      ByteBuf big = Unpooled.buffer(Protocol.MAX_TOKEN_SIZE + 2);
      big.writeByte(5);
      for (int i = 0; i <= Protocol.MAX_TOKEN_SIZE; i++) {
        big.writeByte('a');
      }
      try {
        assertThatThrownBy(() -> FrameCodec.decode(big))
            .isInstanceOf(ProtocolException.class)
            .hasMessageContaining("16384");
      } finally {
        big.release();
      }
    }

    @Test
    void empty() {
      ByteBuf empty = Unpooled.EMPTY_BUFFER;
      assertThatThrownBy(() -> FrameCodec.decode(empty)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void oversizedData() {
      ByteBuf big = Unpooled.buffer(Protocol.MAX_DATA_PAYLOAD + 2);
      big.writeByte(0).writeZero(Protocol.MAX_DATA_PAYLOAD + 1);
      try {
        assertThatThrownBy(() -> FrameCodec.decode(big))
            .isInstanceOf(ProtocolException.class)
            .hasMessageContaining("65536");
      } finally {
        big.release();
      }
    }
  }
}
