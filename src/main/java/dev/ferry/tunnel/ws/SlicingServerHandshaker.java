package dev.ferry.tunnel.ws;

import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker13;

/** Netty's RFC 6455 server handshake, with {@link SlicingFrameDecoder} as the frame decoder. */
public final class SlicingServerHandshaker extends WebSocketServerHandshaker13 {
  public SlicingServerHandshaker(
      String webSocketUrl, String subprotocols, WebSocketDecoderConfig config) {
    super(webSocketUrl, subprotocols, config);
  }

  @Override
  protected WebSocketFrameDecoder newWebsocketDecoder() {
    return new SlicingFrameDecoder(decoderConfig());
  }
}
