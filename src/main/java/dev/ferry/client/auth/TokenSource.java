package dev.ferry.client.auth;

/**
 * Supplies the bearer token (an OIDC ID token / JWT) for requests to the gateway. Thread-safe: many
 * tunnels may ask at once; a source that renews does so one refresh at a time and hands the same
 * fresh token to every waiter.
 */
public interface TokenSource {

  /**
   * A token that is valid now, renewed first when it expires within the source's margin. May block
   * while renewing: never call it on an event loop or the FX thread.
   *
   * @throws TokenException naming why no token can be had (no login, command failed, file empty)
   */
  String token() throws TokenException;

  /**
   * The token {@link #token()} would return if the source holds one in memory that needs no
   * renewal, else null. Never blocks and never does I/O, so an event loop may call it: a forwarder
   * then opens the tunnel without a hop to a thread that may block.
   */
  default String tokenIfReady() {
    return null;
  }

  /**
   * The gateway refused {@code token} as expired or invalid: a renewing source drops it so the next
   * {@link #token()} renews. Sources that cannot renew ignore this.
   */
  default void invalidate(String token) {}

  /** Where tokens come from, for messages: "--token-file /run/token", "FERRY_TOKEN", "login". */
  String describe();
}
