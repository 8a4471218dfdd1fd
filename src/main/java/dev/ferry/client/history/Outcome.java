package dev.ferry.client.history;

import java.util.Locale;

/** How a tunnel session ended, as the history records it. */
public enum Outcome {
  /** The session carried its bytes and ended normally (or by a limit the admin set). */
  OK,
  /** The gateway refused the tunnel (not allowed, limit reached, upstream down, not signed in). */
  REFUSED,
  /** The session broke: the gateway connection was lost, a protocol error, an upstream reset. */
  ERROR;

  /** The stored and exported spelling: "ok", "refused", "error". */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Outcome fromLabel(String label) {
    return valueOf(label.toUpperCase(Locale.ROOT));
  }

  /**
   * The outcome of a relayed connection from the forwarder's close reason: "completed", the client
   * leaving, and the gateway's idle and duration limits are normal ends; anything else is an error.
   */
  public static Outcome ofCloseReason(String reason) {
    if (reason == null
        || reason.equals("completed")
        || reason.startsWith("client-closed")
        || reason.startsWith("idle-timeout")
        || reason.startsWith("max-duration")) {
      return OK;
    }
    return ERROR;
  }

  @Override
  public String toString() {
    return label();
  }
}
