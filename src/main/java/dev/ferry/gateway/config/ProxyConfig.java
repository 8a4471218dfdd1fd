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
 */
public record ProxyConfig(
    String name,
    String description,
    Target target,
    String kind,
    List<String> tags,
    AccessRule allow,
    Limits limits) {

  /** The accepted {@code kind} values, in the order DESIGN §3 lists them. */
  public static final List<String> KINDS =
      List.of("postgres", "mysql", "ssh", "redis", "http", "rdp", "tcp");

  public ProxyConfig {
    tags = List.copyOf(tags);
  }
}
