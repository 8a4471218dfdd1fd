package dev.ferry.tunnel;

/** The first byte of every {@code ferry.v1} binary message. See docs/PROTOCOL.md. */
public enum FrameType {
  DATA(0x00),
  EOF(0x01),
  ACK(0x02),
  SESSION(0x03),
  NOTICE(0x04),
  /** Client → gateway: a fresh token for the running session (in-band re-authentication). */
  TOKEN(0x05),
  /** Gateway → client: the fresh token was accepted; carries its expiry. */
  TOKEN_ACCEPTED(0x06);

  private final int code;

  FrameType(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public static FrameType of(int code) {
    for (FrameType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    return null;
  }
}
