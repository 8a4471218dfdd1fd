package dev.ferry.tunnel;

/** Codes carried by a {@link Frame.Notice}. Unknown codes must be ignored by receivers. */
public enum NoticeCode {
  /** The gateway is shutting down; the tunnel will be closed soon. */
  DRAINING(1),
  /** The session's token expires soon; the client should send a fresh one (TOKEN frame). */
  TOKEN_EXPIRING(2),
  /** The reason for the close that follows, in words meant for the user. */
  CLOSING(3);

  private final int code;

  NoticeCode(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public static NoticeCode of(int code) {
    for (NoticeCode c : values()) {
      if (c.code == code) {
        return c;
      }
    }
    return null;
  }
}
