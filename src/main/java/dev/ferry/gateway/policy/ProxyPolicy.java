package dev.ferry.gateway.policy;

import dev.ferry.gateway.config.GatewayConfig;
import dev.ferry.gateway.config.ProxyConfig;
import java.util.Collection;

/**
 * The one place that answers "may this user (with these groups) use this proxy under this config?".
 * The handshake, /v1/proxies, a config reload and an in-band re-authentication all ask it, so that
 * a rule means the same everywhere.
 *
 * <pre>
 * switch (ProxyPolicy.check(config, "pg", user, groups)) {
 *   case ALLOWED -> ...;
 *   case NO_PROXY -> ...;      // not configured (any more)
 *   case NOT_ALLOWED -> ...;   // configured, but the allow rules do not name this user or group
 * }
 * </pre>
 */
public final class ProxyPolicy {
  private ProxyPolicy() {}

  /** The answer of {@link #check}. */
  public enum Verdict {
    ALLOWED,
    NO_PROXY,
    NOT_ALLOWED
  }

  /** True when {@code proxy}'s allow rules name {@code user} or one of {@code groups}. */
  public static boolean allows(ProxyConfig proxy, String user, Collection<String> groups) {
    return proxy.allow().allows(user, groups);
  }

  /** Whether {@code user} in {@code groups} may use the proxy called {@code proxyName}. */
  public static Verdict check(
      GatewayConfig config, String proxyName, String user, Collection<String> groups) {
    return config
        .proxy(proxyName)
        .map(p -> allows(p, user, groups) ? Verdict.ALLOWED : Verdict.NOT_ALLOWED)
        .orElse(Verdict.NO_PROXY);
  }
}
