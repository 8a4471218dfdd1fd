package dev.ferry.client.history;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * One tunnel session as the history keeps it.
 *
 * @param id the row id once stored; 0 before
 * @param gateway the gateway's URL
 * @param gatewayName the name the gateway gave itself when the session ran (its URL if unknown)
 * @param proxy the proxy's name
 * @param localPort the forwarder's port on 127.0.0.1 (what the user's client connected to)
 * @param clientPort the local client's own port
 * @param start when the local client connected
 * @param end when the session ended or was refused
 * @param bytesUp bytes from the local client to the target
 * @param bytesDown bytes from the target to the local client
 * @param reason why it ended, in words ("completed", "upstream down (…)")
 * @param resumes how many times its tunnel dropped and was resumed
 */
public record SessionRecord(
    long id,
    String gateway,
    String gatewayName,
    String proxy,
    int localPort,
    int clientPort,
    Instant start,
    Instant end,
    long bytesUp,
    long bytesDown,
    Outcome outcome,
    String reason,
    int resumes) {

  public SessionRecord {
    Objects.requireNonNull(gateway, "gateway");
    Objects.requireNonNull(proxy, "proxy");
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(end, "end");
    Objects.requireNonNull(outcome, "outcome");
    gatewayName = gatewayName == null || gatewayName.isBlank() ? gateway : gatewayName;
    reason = reason == null ? "" : reason;
  }

  public Duration duration() {
    Duration d = Duration.between(start, end);
    return d.isNegative() ? Duration.ZERO : d;
  }

  /** The same session with the id the store gave it. */
  public SessionRecord withId(long newId) {
    return new SessionRecord(
        newId,
        gateway,
        gatewayName,
        proxy,
        localPort,
        clientPort,
        start,
        end,
        bytesUp,
        bytesDown,
        outcome,
        reason,
        resumes);
  }

  /** Search: every word must appear in the gateway (URL or name), the proxy, outcome or reason. */
  public boolean matches(String query) {
    if (query == null || query.isBlank()) {
      return true;
    }
    String hay =
        (gateway + " " + gatewayName + " " + proxy + " " + outcome.label() + " " + reason)
            .toLowerCase(Locale.ROOT);
    for (String word : query.toLowerCase(Locale.ROOT).trim().split("\\s+")) {
      if (!hay.contains(word)) {
        return false;
      }
    }
    return true;
  }
}
