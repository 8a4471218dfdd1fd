package dev.ferry.gateway.server;

import dev.ferry.gateway.audit.AuditLog;
import dev.ferry.gateway.auth.TokenVerifier;
import dev.ferry.gateway.config.GatewayConfig;
import dev.ferry.gateway.metrics.GatewayMetrics;
import dev.ferry.gateway.policy.SessionLimiter;
import dev.ferry.gateway.session.TunnelSession;
import dev.ferry.tunnel.net.Transport;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** What the gateway's handlers share: config, collaborators, live sessions, the draining flag. */
public final class GatewayContext {
  private final GatewayConfig config;
  private final String version;
  private final TokenVerifier verifier;
  private final PrometheusMeterRegistry registry;
  private final GatewayMetrics metrics;
  private final AuditLog audit;
  private final SessionLimiter limiter = new SessionLimiter();
  private final UpstreamResolver resolver = new UpstreamResolver();
  private final Transport transport;
  private final Map<String, TunnelSession> sessions = new ConcurrentHashMap<>();
  private volatile boolean draining;

  public GatewayContext(
      GatewayConfig config,
      String version,
      TokenVerifier verifier,
      PrometheusMeterRegistry registry,
      AuditLog audit,
      Transport transport) {
    this.config = config;
    this.version = version;
    this.verifier = verifier;
    this.registry = registry;
    this.metrics = new GatewayMetrics(registry, config.proxies());
    this.audit = audit;
    this.transport = transport;
  }

  public GatewayConfig config() {
    return config;
  }

  public String version() {
    return version;
  }

  public TokenVerifier verifier() {
    return verifier;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  public AuditLog audit() {
    return audit;
  }

  public SessionLimiter limiter() {
    return limiter;
  }

  UpstreamResolver resolver() {
    return resolver;
  }

  public Transport transport() {
    return transport;
  }

  public boolean draining() {
    return draining;
  }

  public void startDraining() {
    draining = true;
  }

  public void added(TunnelSession s) {
    sessions.put(s.id(), s);
  }

  public void removed(TunnelSession s) {
    sessions.remove(s.id());
    synchronized (sessions) {
      sessions.notifyAll();
    }
  }

  /** The live session with this id, or null. */
  public TunnelSession session(String id) {
    return sessions.get(id);
  }

  public Collection<TunnelSession> sessions() {
    return sessions.values();
  }

  /** Waits until no session is live or the deadline (System.nanoTime) passed. */
  public boolean awaitNoSessions(long deadlineNanos) throws InterruptedException {
    synchronized (sessions) {
      while (!sessions.isEmpty()) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        sessions.wait(Math.max(1, left / 1_000_000));
      }
      return true;
    }
  }
}
