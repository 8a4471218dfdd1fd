package dev.ferry.client.auth;

import java.time.Instant;

/** A token and the instant after which its source fetches a new one (already minus margin). */
record CachedToken(String token, Instant renewAt) {

  boolean freshAt(Instant now) {
    return now.isBefore(renewAt);
  }
}
