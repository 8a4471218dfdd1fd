package dev.ferry.gateway.config;

import java.util.List;

/**
 * One proxy: a named TCP target and who may reach it.
 *
 * @param name [a-z0-9-], unique
 * @param description free text, "" when not set
 * @param target host and port; never resolved before a caller is authorized
 * @param kind postgres | mysql | ssh | redis | http | rdp | tcp (default tcp)
 * @param tags free tags
 * @param allow access rule (deny by default)
 * @param limits session limits
 * @param allowLinkLocal whether the target may resolve to a link-local address (169.254.0.0/16,
 *     fe80::/10, where cloud metadata servers live); refused unless set
 */
public record ProxyConfig(
    String name,
    String description,
    Target target,
    String kind,
    List<String> tags,
    AccessRule allow,
    Limits limits,
    boolean allowLinkLocal) {

  /** The accepted {@code kind} values, in the order DESIGN §3 lists them. */
  public static final List<String> KINDS =
      List.of("postgres", "mysql", "ssh", "redis", "http", "rdp", "tcp");

  public ProxyConfig {
    tags = List.copyOf(tags);
  }

  /** A proxy whose target must not resolve to a link-local address. */
  public ProxyConfig(
      String name,
      String description,
      Target target,
      String kind,
      List<String> tags,
      AccessRule allow,
      Limits limits) {
    this(name, description, target, kind, tags, allow, limits, false);
  }
}
