package dev.ferry.client.tunnel;

import dev.ferry.tunnel.TunnelError;

/** The gateway refused a tunnel, or could not be reached; {@link #error()} says which kind. */
public final class TunnelRefusedException extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient TunnelError error;
  private final String detail;

  public TunnelRefusedException(TunnelError error, String detail) {
    super(detail == null || detail.isEmpty() ? error.message() : detail, null, false, false);
    this.error = error;
    this.detail = getMessage();
  }

  public TunnelError error() {
    return error;
  }

  /** The reason in words (the problem+json detail, or what failed locally). */
  public String detail() {
    return detail;
  }
}
