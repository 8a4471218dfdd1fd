package dev.ferry.gateway.server;

import dev.ferry.gateway.config.Target;
import dev.ferry.tunnel.TunnelError;
import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * Why the upstream connect failed, as the refusal names it to the client and the audit.
 *
 * @param error the refusal's kind (its HTTP status, tag and exit code)
 * @param detail the reason in words
 */
record UpstreamConnectFailure(TunnelError error, String detail) {

  static UpstreamConnectFailure of(Throwable cause, Target target, Duration connectTimeout) {
    if (cause instanceof ConnectTimeoutException) {
      return new UpstreamConnectFailure(
          TunnelError.UPSTREAM_TIMEOUT,
          "upstream " + target + " connect timed out after " + Durations.format(connectTimeout));
    }
    if (cause instanceof UnknownHostException) {
      return new UpstreamConnectFailure(
          TunnelError.UPSTREAM_REFUSED,
          "upstream host " + target.host() + " could not be resolved");
    }
    // Checked before ConnectException: Netty's epoll transport reports this case as one.
    if (resetAfterAccept(cause)) {
      return new UpstreamConnectFailure(
          TunnelError.UPSTREAM_CLOSED,
          "upstream " + target + " reset the connection right after accepting it");
    }
    if (cause instanceof ConnectException) {
      return new UpstreamConnectFailure(
          TunnelError.UPSTREAM_REFUSED, "upstream " + target + " refused the connection");
    }
    return new UpstreamConnectFailure(
        TunnelError.UPSTREAM_REFUSED, "upstream " + target + " unreachable: " + cause.getMessage());
  }

  /**
   * ECONNRESET from the connect: the TCP handshake had completed (nothing listening gives
   * ECONNREFUSED) and the upstream reset the connection before the connect was seen to finish.
   * Something listened, so "refused" would send the operator looking for a service that is there.
   * The JDK (a plain SocketException) and Netty's epoll (a ConnectException) only tell it by the
   * system's text for the error, "Connection reset by peer" on Linux, macOS and Windows alike.
   */
  static boolean resetAfterAccept(Throwable cause) {
    return cause instanceof SocketException
        && cause.getMessage() != null
        && cause.getMessage().contains("Connection reset");
  }
}
