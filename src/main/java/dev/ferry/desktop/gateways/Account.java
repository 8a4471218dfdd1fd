package dev.ferry.desktop.gateways;

import java.time.Instant;
import java.util.List;

/** Who is signed in to a gateway, and until when their current token is valid. */
public record Account(String user, List<String> groups, Instant expiresAt) {
  public Account {
    groups = List.copyOf(groups);
  }

  public Account withExpiry(Instant at) {
    return new Account(user, groups, at);
  }
}
