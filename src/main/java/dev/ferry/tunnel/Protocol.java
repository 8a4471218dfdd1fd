package dev.ferry.tunnel;

import java.time.Duration;

/** Constants of the {@code ferry.v1} tunnel protocol shared by both ends. */
public final class Protocol {
  /** WebSocket subprotocol name, sent in {@code Sec-WebSocket-Protocol}. */
  public static final String SUBPROTOCOL = "ferry.v1";

  /** Path prefix of the tunnel endpoint: {@code /v1/tunnel/{proxy}}. */
  public static final String TUNNEL_PATH_PREFIX = "/v1/tunnel/";

  /** Largest DATA payload a sender may put in one frame. */
  public static final int MAX_DATA_PAYLOAD = 64 * 1024;

  /** Largest WebSocket message a receiver accepts (a DATA frame plus its type byte). */
  public static final int MAX_MESSAGE_SIZE = MAX_DATA_PAYLOAD + 1;

  /** A receiver acknowledges at least every this many DATA bytes, and at EOF. */
  public static final int ACK_INTERVAL_BYTES = 256 * 1024;

  /**
   * The flow-control window: a sender reads no more from its TCP peer while this many DATA bytes it
   * sent are unacknowledged, so a receiver never holds more than this plus one DATA frame of what
   * it could not yet hand to its own TCP peer, and can keep reading control frames meanwhile.
   */
  public static final int FLOW_WINDOW_BYTES = 4 * 1024 * 1024;

  /** Keepalive WebSocket pings, well inside load balancers' 60 s idle cuts. */
  public static final Duration KEEPALIVE_INTERVAL = Duration.ofSeconds(25);

  /**
   * Largest token a TOKEN frame may carry: far above any real ID token (a few KiB), small enough
   * that a client cannot make the gateway parse megabytes.
   */
  public static final int MAX_TOKEN_SIZE = 16 * 1024;

  /** Response header naming the session (also in the SESSION frame). */
  public static final String SESSION_HEADER = "Ferry-Session";

  /** Request header of a resume: the id of the session to continue. */
  public static final String RESUME_HEADER = "Ferry-Resume";

  /**
   * On a resume request, the DATA bytes the client received so far; on its 101 answer, the DATA
   * bytes the gateway received so far. Each side resends what follows the other's count.
   */
  public static final String RECEIVED_HEADER = "Ferry-Received";

  /**
   * Request header of a client that can resume ({@code 1}): only then does the gateway keep the
   * session through a dropped WebSocket. A client that cannot (an older one, {@code ferry stdio})
   * would otherwise leave its session, and its limit slot, waiting for a resume that never comes.
   */
  public static final String RESUMABLE_HEADER = "Ferry-Resumable";

  /**
   * Request header on every tunnel open and resume: a random id of the client process (not a
   * secret, never derived from the token). At a session cap the gateway does not supersede waiting
   * sessions that this same instance opened: a live client whose network blinked resumes them.
   * Optional (older clients send none); when sent it must match {@link #CLIENT_INSTANCE_PATTERN}.
   */
  public static final String CLIENT_INSTANCE_HEADER = "Ferry-Client-Instance";

  /** A well-formed {@link #CLIENT_INSTANCE_HEADER}: 16 to 64 characters of base64url. */
  public static final String CLIENT_INSTANCE_PATTERN = "[A-Za-z0-9_-]{16,64}";

  private Protocol() {}
}
