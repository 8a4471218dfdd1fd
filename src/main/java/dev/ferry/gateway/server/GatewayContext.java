package dev.ferry.gateway.server;

import dev.ferry.gateway.audit.AuditLog;
import dev.ferry.gateway.auth.TokenVerifier;
import dev.ferry.gateway.config.GatewayConfig;
import dev.ferry.gateway.metrics.GatewayMetrics;
import dev.ferry.gateway.policy.ProxyPolicy;
import dev.ferry.gateway.policy.SessionLimiter;
import dev.ferry.gateway.session.EndedSessions;
import dev.ferry.gateway.session.TunnelSession;
import dev.ferry.tunnel.TunnelError;
import dev.ferry.tunnel.net.Transport;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the gateway's handlers share: config, collaborators, live sessions, the draining flag. The
 * config is swapped whole by a reload; a handler reads it once per decision.
 */
public final class GatewayContext {
  private volatile GatewayConfig config;
  private final String version;
  private final TokenVerifier verifier;
  private final PrometheusMeterRegistry registry;
  private final GatewayMetrics metrics;
  private final AuditLog audit;
  private final SessionLimiter limiter = new SessionLimiter();
  private final UpstreamResolver resolver = new UpstreamResolver();
  private final Transport transport;
  private final Map<String, TunnelSession> sessions = new ConcurrentHashMap<>();
  private final EndedSessions endedSessions = new EndedSessions();
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
    metrics.waitingFrom(limiter::waiting);
    this.audit = audit;
    this.transport = transport;
  }

  public GatewayConfig config() {
    return config;
  }

  /**
   * Makes {@code next} the live config: new tunnels and /v1/proxies see it from now on, and every
   * live session whose proxy is gone or whose user is no longer allowed is ended.
   *
   * @return the sessions that were told to end
   */
  public List<TunnelSession> swap(GatewayConfig next) {
    metrics.configured(next.proxies());
    config = next;
    List<TunnelSession> ended = new ArrayList<>();
    for (TunnelSession s : sessions.values()) {
      // A session not yet started is still in its handshake task, which re-checks after start.
      if (s.eventLoop() != null && endIfNoLongerAllowed(s)) {
        ended.add(s);
      }
    }
    return ended;
  }

  /**
   * Ends {@code s} with {@code proxy-removed} or {@code access-revoked} when the live config no
   * longer has its proxy or no longer lets its user (with the session's groups) in.
   *
   * @return true when the session was told to end
   */
  public boolean endIfNoLongerAllowed(TunnelSession s) {
    String proxy = s.proxy().name();
    switch (ProxyPolicy.check(config, proxy, s.user(), s.groups())) {
      case NO_PROXY -> {
        s.expire(
            TunnelError.PROXY_REMOVED,
            "proxy " + proxy + " was removed from the gateway's configuration");
        return true;
      }
      case NOT_ALLOWED -> {
        s.expire(
            TunnelError.ACCESS_REVOKED,
            "access to proxy " + proxy + " was revoked for " + s.user());
        return true;
      }
      default -> {
        return false;
      }
    }
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
    EndedSessions.Ended ended = s.ending();
    if (ended != null) {
      endedSessions.add(ended);
    }
    sessions.remove(s.id());
    synchronized (sessions) {
      sessions.notifyAll();
    }
  }

  /** The live session with this id, or null. */
  public TunnelSession session(String id) {
    return sessions.get(id);
  }

  /** Sessions that ended recently, with why and whose, for their owners' late resumes. */
  public EndedSessions endedSessions() {
    return endedSessions;
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
