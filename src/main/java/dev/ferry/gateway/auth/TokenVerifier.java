package dev.ferry.gateway.auth;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Verifies the value of an {@code Authorization} header against the configured issuers. */
public interface TokenVerifier extends AutoCloseable {

  /**
   * Verifies {@code authorizationHeader} (the whole header value, {@code Bearer <jwt>}, may be
   * null). Completes at once when the decision is cached; otherwise completes on a worker thread
   * (never blocks the caller). Fails with {@link AuthException} when the token is refused.
   */
  CompletableFuture<VerifiedIdentity> verify(String authorizationHeader);

  /**
   * The leeway granted on {@code exp}: a token counts as expired only this long after its exp. A
   * session bound to its token ends at the same moment, so it never outlives what the verifier
   * would still accept.
   */
  default Duration clockSkew() {
    return Duration.ZERO;
  }

  @Override
  void close();
}
