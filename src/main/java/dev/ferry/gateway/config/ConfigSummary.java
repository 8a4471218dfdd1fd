package dev.ferry.gateway.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The effective configuration in a few lines for the startup log, defaults filled in. The config
 * holds no secrets (no client secrets, no key material, only paths); user names are counted rather
 * than listed to keep personal data out of logs.
 */
public final class ConfigSummary {
  private ConfigSummary() {}

  /** One line for the gateway, one per issuer, one for audit, one per proxy. */
  public static String describe(GatewayConfig config) {
    List<String> lines = new ArrayList<>();
    lines.add(gateway(config.gateway()));
    for (IssuerSettings issuer : config.issuers()) {
      lines.add(issuer(issuer));
    }
    Object auditFile = config.audit().file();
    lines.add("audit: stdout" + (auditFile == null ? "" : " and " + auditFile));
    if (config.proxies().isEmpty()) {
      lines.add("proxies: none");
    }
    for (ProxyConfig proxy : config.proxies()) {
      lines.add(proxy(proxy));
    }
    return String.join(System.lineSeparator(), lines);
  }

  private static String gateway(ServerSettings g) {
    StringBuilder s = new StringBuilder("gateway '").append(g.name()).append("'");
    s.append(" bind ").append(g.bind()).append(" port ").append(g.port());
    s.append(
        g.tls() == null
            ? ", plain HTTP"
            : ", TLS cert " + g.tls().cert() + " key " + g.tls().key());
    if (g.publicUrl() != null) {
      s.append(", public URL ").append(g.publicUrl());
    }
    s.append(", browser origins: ")
        .append(g.allowedOrigins().isEmpty() ? "none" : String.join(" ", g.allowedOrigins()));
    // Named only when changed, so the usual summary stays one short line.
    if (!g.handshakeTimeout().equals(ServerSettings.DEFAULT_HANDSHAKE_TIMEOUT)) {
      s.append(", handshake deadline ").append(Durations.format(g.handshakeTimeout()));
    }
    if (g.maxPendingHandshakes() != ServerSettings.DEFAULT_MAX_PENDING_HANDSHAKES) {
      s.append(", at most ").append(g.maxPendingHandshakes()).append(" pending handshakes");
    }
    return s.toString();
  }

  private static String issuer(IssuerSettings i) {
    return "issuer "
        + i.issuer()
        + " audiences "
        + String.join(" ", i.audiences())
        + (i.clientId() == null ? ", no login client" : ", login client " + i.clientId())
        + ", scopes "
        + String.join(" ", i.scopes())
        + ", user claim "
        + i.userClaim()
        + ", groups claim "
        + i.groupsClaim();
  }

  private static String proxy(ProxyConfig p) {
    Limits l = p.limits();
    return "proxy "
        + p.name()
        + " ("
        + p.kind()
        + ") -> "
        + p.target()
        + ": allows "
        + allowed(p.allow())
        + "; sessions "
        + cap(l.maxSessions())
        + " total, "
        + cap(l.maxSessionsPerUser())
        + " per user; idle "
        + Durations.format(l.idleTimeout())
        + ", max "
        + Durations.format(l.maxDuration())
        + ", connect "
        + Durations.format(l.connectTimeout())
        + (l.endWithToken() ? ", ends with token" : ", outlives token")
        + (p.allowLinkLocal() ? ", link-local addresses allowed" : "");
  }

  private static String allowed(AccessRule allow) {
    List<String> parts = new ArrayList<>();
    int users = allow.users().size();
    if (users > 0) {
      parts.add(users + (users == 1 ? " user" : " users"));
    }
    if (!allow.groups().isEmpty()) {
      parts.add("groups " + sorted(allow.groups()));
    }
    return String.join(" and ", parts);
  }

  private static String cap(int n) {
    return n == 0 ? "unlimited" : String.valueOf(n);
  }

  private static String sorted(Set<String> values) {
    return String.join(" ", values.stream().sorted().toList());
  }
}
