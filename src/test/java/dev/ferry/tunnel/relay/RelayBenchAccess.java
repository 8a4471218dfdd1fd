package dev.ferry.tunnel.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOutboundHandler;

/**
 * Opens the relay's package-private DATA frame writer to the JMH benchmarks in {@code
 * dev.ferry.bench.jmh}, so that they measure the production classes without widening their
 * visibility in src/main.
 */
public final class RelayBenchAccess {
  private RelayBenchAccess() {}

  /** The relay's DATA frame writer; {@code mask} is true on the client side. */
  public static ChannelOutboundHandler dataFrameEncoder(boolean mask) {
    return new DataFrameEncoder(mask);
  }

  /** A DATA frame for {@link #dataFrameEncoder}; it owns {@code payload}. */
  public static Object dataFrame(ByteBuf payload) {
    return new DataFrame(payload);
  }

  /** The client's in-place masking of a payload. */
  public static void maskInPlace(ByteBuf payload, int key) {
    DataFrameEncoder.maskInPlace(payload, key);
  }
}
