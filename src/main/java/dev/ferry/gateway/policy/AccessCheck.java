package dev.ferry.gateway.policy;

import dev.ferry.gateway.config.ProxyConfig;
import java.util.Collection;
import java.util.Optional;

/**
 * Whether a caller may use a proxy under the configuration in force now. Used when a tunnel opens
 * and again for a live session (a fresh token in-band, or a changed configuration), so that every
 * path decides with the same rule.
 */
public final class AccessCheck {

  /** The answer; {@link #ALLOWED} or why not. */
  public enum Verdict {
    ALLOWED,
    /** The proxy is no longer in the configuration. */
    PROXY_REMOVED,
    /** The proxy exists but its {@code allow} rule does not match the caller. */
    NOT_ALLOWED
  }

  private AccessCheck() {}

  /**
   * @param proxy the proxy as the current configuration has it, empty when it is gone
   * @param user the caller's user claim
   * @param groups the caller's groups, from a verified token only
   */
  public static Verdict check(Optional<ProxyConfig> proxy, String user, Collection<String> groups) {
    if (proxy.isEmpty()) {
      return Verdict.PROXY_REMOVED;
    }
    return proxy.get().allow().allows(user, groups) ? Verdict.ALLOWED : Verdict.NOT_ALLOWED;
  }
}
