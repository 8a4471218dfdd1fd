package dev.ferry.gateway.config;

import java.util.List;
import java.util.Optional;

/**
 * The whole gateway configuration (DESIGN §3), immutable and already validated by {@link
 * ConfigLoader}.
 */
public record GatewayConfig(
    ServerSettings gateway,
    List<IssuerSettings> issuers,
    AuditSettings audit,
    List<ProxyConfig> proxies) {

  public GatewayConfig {
    issuers = List.copyOf(issuers);
    proxies = List.copyOf(proxies);
  }

  public Optional<ProxyConfig> proxy(String name) {
    return proxies.stream().filter(p -> p.name().equals(name)).findFirst();
  }
}
