package dev.ferry.tunnel.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * A ferry.v1 DATA frame on its way out, before WebSocket framing: {@link DataFrameEncoder} turns it
 * into the same bytes as a {@code BinaryWebSocketFrame} of {@code 00 payload} would become, without
 * the composite buffer and the copy that path costs. Owns its payload.
 */
final class DataFrame extends DefaultByteBufHolder {
  DataFrame(ByteBuf payload) {
    super(payload);
  }
}
