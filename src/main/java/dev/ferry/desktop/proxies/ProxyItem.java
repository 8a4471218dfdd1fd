package dev.ferry.desktop.proxies;

import dev.ferry.client.api.ProxyList.ProxyInfo;
import dev.ferry.desktop.gateways.GatewayViewModel;
import java.util.List;
import java.util.Locale;

/**
 * One row of the proxy list: a reachable proxy of a gateway, and whether it is a favorite or was
 * used recently.
 *
 * @param recentRank position in the recents (0 = last used), -1 when not recent
 */
public record ProxyItem(
    GatewayViewModel gateway, ProxyInfo info, boolean favorite, int recentRank) {

  public String name() {
    return info.name();
  }

  public String kind() {
    return info.kind() == null || info.kind().isBlank() ? "tcp" : info.kind();
  }

  public String description() {
    return info.description();
  }

  public List<String> tags() {
    return info.tags();
  }

  public boolean recent() {
    return recentRank >= 0;
  }

  /** Search as you type: every word must appear in the name, description, kind or a tag. */
  public boolean matches(String query) {
    if (query == null || query.isBlank()) {
      return true;
    }
    String hay =
        (name() + " " + description() + " " + kind() + " " + String.join(" ", tags()))
            .toLowerCase(Locale.ROOT);
    for (String word : query.toLowerCase(Locale.ROOT).trim().split("\\s+")) {
      if (!hay.contains(word)) {
        return false;
      }
    }
    return true;
  }
}
