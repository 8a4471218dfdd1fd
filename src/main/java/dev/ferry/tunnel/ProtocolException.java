package dev.ferry.tunnel;

/** A peer broke the {@code ferry.v1} framing rules. */
public final class ProtocolException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ProtocolException(String message) {
    super(message);
  }
}
