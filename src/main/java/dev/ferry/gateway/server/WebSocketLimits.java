package dev.ferry.gateway.server;

import dev.ferry.tunnel.Protocol;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;

/**
 * What the gateway's WebSocket decoder accepts from a client, kept apart from the pipeline wiring
 * so the hostile-input rules are in one place. A frame that claims more than one ferry.v1 message
 * is refused from its header, before any of its payload is buffered (close 1009 with the reason);
 * an unmasked client frame is refused with close 1002 (RFC 6455 §5.1). The relay sends that
 * standard code (from the decoder's exception) and records the protocol error with its reason.
 */
public final class WebSocketLimits {
  /** One ferry.v1 message: the type byte and the largest DATA payload. */
  public static final int MAX_FRAME_PAYLOAD = Protocol.MAX_MESSAGE_SIZE;

  public static final WebSocketDecoderConfig SERVER_DECODER =
      WebSocketDecoderConfig.newBuilder()
          .maxFramePayloadLength(MAX_FRAME_PAYLOAD)
          .expectMaskedFrames(true)
          .allowMaskMismatch(false)
          .allowExtensions(false)
          .closeOnProtocolViolation(false)
          .withUTF8Validator(false)
          .build();

  private WebSocketLimits() {}
}
