package dev.ferry.gateway.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The settings a running gateway cannot change: the listening socket (gateway.bind, gateway.port),
 * its TLS (gateway.tls), the trusted issuers (identity.issuers: the token verifier and its key
 * caches are built once at start) and the audit file (audit.file). A reload that changes them keeps
 * the running values and names each key, so that the operator knows a restart is needed.
 */
public final class RestartOnlySettings {
  private RestartOnlySettings() {}

  /** {@code next} with the restart-only settings of {@code running}, and the keys that differed. */
  public record Kept(GatewayConfig config, List<String> keys) {
    public Kept {
      keys = List.copyOf(keys);
    }
  }

  /**
   * @param running the config the gateway was started with (its socket, TLS and issuers)
   * @param next the validated new config
   */
  public static Kept keep(GatewayConfig running, GatewayConfig next) {
    List<String> keys = new ArrayList<>();
    ServerSettings r = running.gateway();
    ServerSettings n = next.gateway();
    if (!Objects.equals(r.bind(), n.bind())) {
      keys.add("gateway.bind");
    }
    if (r.port() != n.port()) {
      keys.add("gateway.port");
    }
    if (!Objects.equals(r.tls(), n.tls())) {
      keys.add("gateway.tls");
    }
    if (!running.issuers().equals(next.issuers())) {
      keys.add("identity.issuers");
    }
    if (!Objects.equals(running.audit(), next.audit())) {
      keys.add("audit.file");
    }
    // The socket and its TLS are only read at start, so next.gateway() can be taken as it is.
    return new Kept(
        new GatewayConfig(next.gateway(), running.issuers(), running.audit(), next.proxies()),
        keys);
  }
}
