package dev.ferry.client.stdio;

import dev.ferry.client.forward.ForwarderListener;
import dev.ferry.client.stdio.StdioTunnel.Result;
import dev.ferry.tunnel.TunnelError;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what the one-connection forwarder under {@link StdioTunnel} reports into how {@code ferry
 * stdio} ends. The forwarder speaks in reasons ("completed", "token-expired: token expired",
 * "resume-timeout: could not resume ..."); the command needs a {@link Result} whose error gives the
 * exit code and whose detail names the reason.
 */
final class StdioOutcome implements ForwarderListener {
  private static final Logger log = LoggerFactory.getLogger(StdioTunnel.class);

  /** What the forwarder says when a non-resumable tunnel's WebSocket dropped. */
  static final String CONNECTION_LOST = "gateway connection lost";

  private final CompletableFuture<Result> result = new CompletableFuture<>();
  private volatile String localFailure;
  private volatile boolean stopping;

  CompletableFuture<Result> result() {
    return result;
  }

  /** Standard input or output failed; this side closes the tunnel next. The first one counts. */
  synchronized void localFailure(String detail) {
    if (localFailure == null) {
      localFailure = detail;
    }
  }

  String localFailure() {
    return localFailure;
  }

  /** A signal asked to stop: whatever the forwarder reports from now on is an orderly end. */
  void stopping() {
    stopping = true;
  }

  /** Ends with {@code r} unless the tunnel already ended. */
  void complete(Result r) {
    result.complete(r);
  }

  @Override
  public void connectionRefused(int localPort, Instant openedAt, TunnelError error, String detail) {
    complete(stopping ? stopped(0, 0) : new Result(error, detail, 0, 0));
  }

  @Override
  public void connectionClosed(
      int localPort, Instant openedAt, long bytesUp, long bytesDown, String reason) {
    log.debug("tunnel ended: {}", reason);
    if (stopping) {
      complete(stopped(bytesUp, bytesDown));
    } else if (localFailure != null) {
      complete(new Result(TunnelError.INTERNAL, localFailure, bytesUp, bytesDown));
    } else {
      complete(fromReason(reason, bytesUp, bytesDown));
    }
  }

  static Result stopped(long bytesUp, long bytesDown) {
    return new Result(null, "stopped", bytesUp, bytesDown);
  }

  /** The result for one of the forwarder's end reasons ("completed", or "tag[: detail]"). */
  static Result fromReason(String reason, long up, long down) {
    if (reason.equals("completed")) {
      return new Result(null, "completed", up, down);
    }
    if (reason.equals(CONNECTION_LOST)) {
      return new Result(
          TunnelError.GATEWAY_UNREACHABLE,
          "lost the connection to the gateway (it closed without ending the tunnel)",
          up,
          down);
    }
    int colon = reason.indexOf(": ");
    String tag = colon < 0 ? reason : reason.substring(0, colon);
    String detail = colon < 0 ? "" : reason.substring(colon + 2);
    if (tag.equals(TunnelError.RESUME_TIMEOUT.tag())) {
      return new Result(
          TunnelError.RESUME_TIMEOUT, "lost the connection to the gateway; " + detail, up, down);
    }
    for (TunnelError e : TunnelError.values()) {
      if (e.tag().equals(tag)) {
        return new Result(e, detail.isEmpty() ? e.message() : detail, up, down);
      }
    }
    if (tag.startsWith("client-closed")) {
      // Only this side closes the loopback connection, and it says why first; a bare one is odd.
      return new Result(TunnelError.INTERNAL, "the local end of the tunnel closed", up, down);
    }
    // "closed 4999: why": a close code this version does not know.
    return new Result(
        TunnelError.PROTOCOL_ERROR, "the gateway ended the tunnel: " + reason, up, down);
  }

  // Standard output carries the ssh stream: a dropped gateway connection is only logged (stderr).
  @Override
  public void connectionInterrupted(int localPort, String why) {
    log.info("gateway connection lost ({}); resuming", why);
  }

  @Override
  public void connectionResumed(int localPort, Duration outage, int attempts) {
    log.info("gateway connection resumed after {} ms ({} attempt(s))", outage.toMillis(), attempts);
  }

  @Override
  public void connectionLimited(int localPort, String message) {
    log.warn("a second local connection was refused: {}", message);
  }

  @Override
  public void notice(String message) {
    log.info("gateway: {}", message);
  }

  @Override
  public void warning(String message) {
    log.warn("{}", message);
  }
}
