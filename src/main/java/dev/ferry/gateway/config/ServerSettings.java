package dev.ferry.gateway.config;

import java.time.Duration;
import java.util.List;

/**
 * The {@code gateway:} section.
 *
 * @param name shown to clients
 * @param bind address to bind, default 0.0.0.0
 * @param port configured port (default 8080); the command line and $PORT override it
 * @param publicUrl optional public URL, null when not set
 * @param tls optional TLS settings, null when the gateway speaks plain HTTP
 * @param allowedOrigins browser origins allowed to open tunnels
 * @param handshakeTimeout how long a connection may take to send a complete request before it is
 *     closed (pre-authentication deadline)
 * @param maxPendingHandshakes connections not yet a tunnel beyond which new ones get a 503
 */
public record ServerSettings(
    String name,
    String bind,
    int port,
    String publicUrl,
    TlsSettings tls,
    List<String> allowedOrigins,
    Duration handshakeTimeout,
    int maxPendingHandshakes) {

  /**
   * 10 s: a real client sends its upgrade request in one round trip, even over a slow mobile link;
   * a slowloris connection is cut after at most this long.
   */
  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  /**
   * 1024: each pending connection costs a socket and at most one request head (about 28 KiB) in
   * memory, so 1024 stay near 28 MiB and well inside the default 4096 open files of a container,
   * while it is far above the setup rate of honest clients (hundreds per second, each pending for
   * milliseconds).
   */
  public static final int DEFAULT_MAX_PENDING_HANDSHAKES = 1024;

  public ServerSettings {
    allowedOrigins = List.copyOf(allowedOrigins);
  }

  /** Settings with the default pre-authentication limits. */
  public ServerSettings(
      String name,
      String bind,
      int port,
      String publicUrl,
      TlsSettings tls,
      List<String> allowedOrigins) {
    this(
        name,
        bind,
        port,
        publicUrl,
        tls,
        allowedOrigins,
        DEFAULT_HANDSHAKE_TIMEOUT,
        DEFAULT_MAX_PENDING_HANDSHAKES);
  }

  /** These settings with other pre-authentication limits. */
  public ServerSettings withHandshakeLimits(Duration timeout, int maxPending) {
    return new ServerSettings(
        name, bind, port, publicUrl, tls, allowedOrigins, timeout, maxPending);
  }
}
