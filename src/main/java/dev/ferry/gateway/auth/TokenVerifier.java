package dev.ferry.gateway.auth;

import java.util.concurrent.CompletableFuture;

/** Verifies the value of an {@code Authorization} header against the configured issuers. */
public interface TokenVerifier extends AutoCloseable {

  /**
   * Verifies {@code authorizationHeader} (the whole header value, {@code Bearer <jwt>}, may be
   * null). Completes at once when the decision is cached; otherwise completes on a worker thread
   * (never blocks the caller). Fails with {@link AuthException} when the token is refused.
   */
  CompletableFuture<VerifiedIdentity> verify(String authorizationHeader);

  @Override
  void close();
}
