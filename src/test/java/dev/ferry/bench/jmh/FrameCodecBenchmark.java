package dev.ferry.bench.jmh;

import dev.ferry.tunnel.Frame;
import dev.ferry.tunnel.FrameCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@link FrameCodec} on the relay's hot path: encoding and decoding DATA (the payload is wrapped
 * and sliced, never copied, so its size does not matter: 16 KiB, the relay's usual read), ACK and
 * EOF frames, on Netty's pooled allocator as in the gateway. Every buffer made is released inside
 * the operation, so the allocator's pool is part of what is measured.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FrameCodecBenchmark {
  private static final int PAYLOAD = 16 * 1024;

  private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
  private ByteBuf payload;
  private ByteBuf dataMessage;
  private ByteBuf ackMessage;
  private ByteBuf eofMessage;

  @Setup(Level.Trial)
  public void setUp() {
    payload = alloc.directBuffer(PAYLOAD);
    payload.writerIndex(PAYLOAD);
    dataMessage = alloc.directBuffer(PAYLOAD + 1).writeByte(0);
    dataMessage.writerIndex(PAYLOAD + 1);
    ackMessage = FrameCodec.ack(alloc, 123_456_789L);
    eofMessage = FrameCodec.eof(alloc, 987_654_321L);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    payload.release();
    dataMessage.release();
    ackMessage.release();
    eofMessage.release();
  }

  @Benchmark
  public int encodeData() {
    // data() takes the payload over; the retained duplicate stands for a freshly read buffer.
    ByteBuf frame = FrameCodec.data(alloc, payload.retainedDuplicate());
    int n = frame.readableBytes();
    frame.release();
    return n;
  }

  @Benchmark
  public int encodeAck() {
    ByteBuf frame = FrameCodec.ack(alloc, 123_456_789L);
    int n = frame.readableBytes();
    frame.release();
    return n;
  }

  @Benchmark
  public int encodeEof() {
    ByteBuf frame = FrameCodec.eof(alloc, 987_654_321L);
    int n = frame.readableBytes();
    frame.release();
    return n;
  }

  @Benchmark
  public int decodeData() {
    Frame.Data d = (Frame.Data) FrameCodec.decode(dataMessage);
    int n = d.payload().readableBytes();
    d.payload().release();
    return n;
  }

  @Benchmark
  public long decodeAck() {
    return ((Frame.Ack) FrameCodec.decode(ackMessage)).totalBytes();
  }

  @Benchmark
  public long decodeEof() {
    return ((Frame.Eof) FrameCodec.decode(eofMessage)).totalBytes();
  }
}
