package dev.ferry.client.api;

import dev.ferry.tunnel.TunnelError;

/** The gateway refused a request, or could not be reached; the message names the reason. */
public final class GatewayApiException extends Exception {
  private static final long serialVersionUID = 1L;
  private final TunnelError error;

  public GatewayApiException(TunnelError error, String message) {
    super(message);
    this.error = error;
  }

  public GatewayApiException(TunnelError error, String message, Throwable cause) {
    super(message, cause);
    this.error = error;
  }

  public TunnelError error() {
    return error;
  }
}
