package dev.ferry.bench.jmh;

import dev.ferry.tunnel.FrameCodec;
import dev.ferry.tunnel.relay.RelayBenchAccess;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameEncoder;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A client's DATA frame, from a freshly read payload to the masked bytes handed to the socket:
 *
 * <ul>
 *   <li>{@code ferryEncoder}: the relay's {@code DataFrameEncoder}, which masks the payload in
 *       place and writes a small header in front of it;
 *   <li>{@code nettyEncoder}: what it replaced, {@code FrameCodec.data} (a composite {@code 00 +
 *       payload}) in a {@code BinaryWebSocketFrame} through Netty's masking {@code
 *       WebSocket08FrameEncoder}, which copies into a new buffer;
 *   <li>{@code maskInPlace}: the XOR loop alone.
 * </ul>
 *
 * Both encoders run in an {@link EmbeddedChannel} (same overhead for both) and produce the same
 * wire bytes; the payload comes from Netty's pooled allocator each time, as a TCP read would.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MaskingBenchmark {
  @Param({"1024", "16384", "65536"})
  public int size;

  private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
  private EmbeddedChannel ferry;
  private EmbeddedChannel netty;
  private ByteBuf reused;

  @Setup(Level.Trial)
  public void setUp() {
    ferry = new EmbeddedChannel(RelayBenchAccess.dataFrameEncoder(true));
    netty = new EmbeddedChannel(new WebSocket08FrameEncoder(true));
    ferry.config().setAllocator(alloc);
    netty.config().setAllocator(alloc);
    reused = alloc.directBuffer(size);
    reused.writerIndex(size);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    ferry.finishAndReleaseAll();
    netty.finishAndReleaseAll();
    reused.release();
  }

  private ByteBuf payload() {
    ByteBuf b = alloc.directBuffer(size);
    b.writerIndex(size);
    return b;
  }

  @Benchmark
  public int ferryEncoder() {
    ferry.writeOutbound(RelayBenchAccess.dataFrame(payload()));
    return drain(ferry);
  }

  @Benchmark
  public int nettyEncoder() {
    netty.writeOutbound(new BinaryWebSocketFrame(FrameCodec.data(alloc, payload())));
    return drain(netty);
  }

  @Benchmark
  public int maskInPlace() {
    RelayBenchAccess.maskInPlace(reused, ThreadLocalRandom.current().nextInt());
    return reused.getByte(0);
  }

  private static int drain(EmbeddedChannel ch) {
    int n = 0;
    for (Object m; (m = ch.readOutbound()) != null; ) {
      n += ((ByteBuf) m).readableBytes();
      ReferenceCountUtil.release(m);
    }
    return n;
  }
}
