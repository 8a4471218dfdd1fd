package dev.ferry.client.api;

import java.util.List;
import java.util.Map;

/** What {@code GET /v1/proxies} says: who the caller is and what they may reach. */
public record ProxyList(String user, List<String> groups, List<ProxyInfo> proxies) {
  public ProxyList {
    groups = List.copyOf(groups);
    proxies = List.copyOf(proxies);
  }

  /** One reachable proxy. {@code limits} is shown as the gateway sent it. */
  public record ProxyInfo(
      String name, String description, String kind, List<String> tags, Map<String, Object> limits) {
    public ProxyInfo {
      tags = List.copyOf(tags);
      limits = Map.copyOf(limits);
    }
  }
}
