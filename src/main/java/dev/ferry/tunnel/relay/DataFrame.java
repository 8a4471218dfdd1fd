package dev.ferry.tunnel.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * A ferry.v1 DATA frame on its way out, before WebSocket framing: {@link DataFrameEncoder} turns it
 * into the same bytes as a {@code BinaryWebSocketFrame} of {@code 00 payload} would become, without
 * the composite buffer and the copy that path costs. Owns its payload.
 */
final class DataFrame extends DefaultByteBufHolder {
  /** The payload's memory is also held elsewhere (a replay buffer): it must not be changed. */
  final boolean shared;

  DataFrame(ByteBuf payload) {
    this(payload, false);
  }

  DataFrame(ByteBuf payload, boolean shared) {
    super(payload);
    this.shared = shared;
  }
}
