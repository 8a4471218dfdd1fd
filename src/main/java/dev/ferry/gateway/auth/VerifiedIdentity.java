package dev.ferry.gateway.auth;

import java.time.Instant;
import java.util.Set;

/**
 * Who a verified token says the caller is. Groups come only from the verified token's claim.
 *
 * @param user value of the issuer's user claim (email by default, falling back to sub)
 * @param subject the token's sub
 * @param groups the token's groups claim, empty when absent
 * @param issuer the issuer that signed the token
 * @param expiresAt the token's exp
 */
public record VerifiedIdentity(
    String user, String subject, Set<String> groups, String issuer, Instant expiresAt) {
  public VerifiedIdentity {
    groups = Set.copyOf(groups);
  }
}
