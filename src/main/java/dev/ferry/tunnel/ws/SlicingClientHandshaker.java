package dev.ferry.tunnel.ws;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker13;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.URI;

/**
 * Netty's RFC 6455 client handshake (masking, no extensions, no Origin header: native clients send
 * none), with {@link SlicingFrameDecoder} as the frame decoder.
 */
public final class SlicingClientHandshaker extends WebSocketClientHandshaker13 {
  public SlicingClientHandshaker(
      URI uri, String subprotocol, HttpHeaders headers, int maxFramePayloadLength) {
    super(
        uri,
        WebSocketVersion.V13,
        subprotocol,
        false,
        headers,
        maxFramePayloadLength,
        true,
        false,
        -1);
  }

  @Override
  protected FullHttpRequest newHandshakeRequest() {
    FullHttpRequest request = super.newHandshakeRequest();
    // The public constructors always generate one; the gateway refuses foreign origins.
    request.headers().remove(HttpHeaderNames.ORIGIN);
    return request;
  }

  @Override
  protected WebSocketFrameDecoder newWebsocketDecoder() {
    // What the superclass configures: server frames are unmasked, a masked one is an error.
    return new SlicingFrameDecoder(
        WebSocketDecoderConfig.newBuilder()
            .expectMaskedFrames(false)
            .allowMaskMismatch(false)
            .allowExtensions(false)
            .maxFramePayloadLength(maxFramePayloadLength())
            .build());
  }
}
