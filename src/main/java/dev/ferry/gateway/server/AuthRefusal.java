package dev.ferry.gateway.server;

import dev.ferry.gateway.auth.AuthException;
import dev.ferry.gateway.auth.AuthFailure;
import dev.ferry.tunnel.TunnelError;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** A failed token check as the client sees it: 401 with the check that failed, in words. */
record AuthRefusal(TunnelError error, String detail) {

  /** Maps a failed verification and counts it in {@code ferry_auth_failures_total}. */
  static AuthRefusal of(GatewayContext gw, Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof AuthException ae) {
      gw.metrics().authFailure(ae.failure().tag());
      return new AuthRefusal(
          ae.failure() == AuthFailure.EXPIRED
              ? TunnelError.TOKEN_EXPIRED
              : TunnelError.UNAUTHENTICATED,
          ae.getMessage());
    }
    gw.metrics().authFailure("internal");
    return new AuthRefusal(TunnelError.INTERNAL, "token verification failed");
  }
}
