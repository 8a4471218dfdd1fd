package dev.ferry.client.doctor;

import dev.ferry.client.auth.TokenSource;
import dev.ferry.client.net.ProxySettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * What {@link Doctor} checks with: the same inputs the other client commands resolve.
 *
 * @param gatewayUrl the gateway URL, or null when none is known
 * @param gatewaySource where the URL came from ("--gateway", "FERRY_GATEWAY", "last login"), or the
 *     reason none is known
 * @param caFile extra CAs for an https gateway (--ca-file / FERRY_CA_FILE), or null
 * @param proxies how the gateway is reached
 * @param tokens the token source other commands would use; may throw (a RuntimeException whose
 *     message says why there is none)
 * @param idleCheck how long to hold the probe WebSocket idle; zero skips that check
 */
public record DoctorSettings(
    String gatewayUrl,
    String gatewaySource,
    Path caFile,
    ProxySettings proxies,
    Supplier<TokenSource> tokens,
    Duration idleCheck) {

  /** Longest idle check: the gateway closes a probe after two minutes. */
  public static final Duration MAX_IDLE_CHECK = Duration.ofSeconds(110);

  /**
   * Default idle check: Ferry's keepalive interval (25 s) plus a margin. A path that keeps an idle
   * connection this long keeps tunnels alive; longer waits tell more but make every run slow.
   */
  public static final Duration DEFAULT_IDLE_CHECK = Duration.ofSeconds(30);

  public DoctorSettings {
    if (idleCheck.isNegative() || idleCheck.compareTo(MAX_IDLE_CHECK) > 0) {
      throw new IllegalArgumentException(
          "the idle check lasts 0 (skip) to " + MAX_IDLE_CHECK.toSeconds() + "s");
    }
  }
}
