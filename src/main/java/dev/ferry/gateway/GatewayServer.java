package dev.ferry.gateway;

import dev.ferry.gateway.audit.AuditLog;
import dev.ferry.gateway.auth.TokenVerifier;
import dev.ferry.gateway.config.ConfigProblem;
import dev.ferry.gateway.config.ConfigWatcher;
import dev.ferry.gateway.config.GatewayConfig;
import dev.ferry.gateway.config.ProxyConfig;
import dev.ferry.gateway.config.RestartOnlySettings;
import dev.ferry.gateway.server.GatewayChannelInitializer;
import dev.ferry.gateway.server.GatewayContext;
import dev.ferry.gateway.server.ServerTls;
import dev.ferry.gateway.session.TunnelSession;
import dev.ferry.tunnel.TunnelError;
import dev.ferry.tunnel.net.DaemonThreadFactory;
import dev.ferry.tunnel.net.Transport;
import dev.ferry.tunnel.relay.Relay;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway process: binds, serves the HTTP surface and tunnels, and stops in order.
 *
 * <pre>
 * GatewayServer server = new GatewayServer(config, port, verifier, registry, audit, Clock.systemUTC());
 * InetSocketAddress bound = server.start();     // port 0 binds a free port
 * ...                                           // on SIGTERM:
 * server.stop(GatewayServer.DEFAULT_STOP_DEADLINE);
 * server.awaitTermination();
 * </pre>
 *
 * <p>{@link #stop} drains: /readyz turns 503, new tunnels get 503, live tunnels get a NOTICE and,
 * if still open near the deadline, close with 4503; then the event loops stop. The whole of it fits
 * in Cloud Run's 10 s after SIGTERM with the default deadline.
 */
public final class GatewayServer {
  private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);

  /** Total time {@link #stop} may take by default (Cloud Run allows 10 s after SIGTERM). */
  public static final Duration DEFAULT_STOP_DEADLINE = Duration.ofSeconds(7);

  private final GatewayConfig config;
  private final int port;
  private final GatewayContext context;
  private final Transport transport = Transport.best();
  private final SslContext ssl;
  private EventLoopGroup boss;
  private EventLoopGroup workers;
  private Channel listener;
  private InetSocketAddress bound;
  private ConfigWatcher watcher;

  /**
   * @param config validated configuration
   * @param port effective port (the CLI resolves --port, $PORT, gateway.port); 0 = any free port
   * @param verifier checks bearer tokens; closed by the caller, not by the server
   * @param registry where the gateway's meters live; /metrics scrapes it
   * @param audit where audit records go
   * @param clock time for audit records and token expiry
   * @throws IllegalArgumentException when gateway.tls names files that are missing, unreadable or
   *     do not belong together (the message names the file)
   */
  public GatewayServer(
      GatewayConfig config,
      int port,
      TokenVerifier verifier,
      PrometheusMeterRegistry registry,
      AuditLog audit,
      Clock clock) {
    this.config = config;
    this.port = port;
    this.context = new GatewayContext(config, version(), verifier, registry, audit, transport);
    this.ssl = config.gateway().tls() == null ? null : ServerTls.load(config.gateway().tls());
  }

  /** The version from dev/ferry/version.properties ("dev" when it is missing). */
  public static String version() {
    try (InputStream in =
        GatewayServer.class.getResourceAsStream("/dev/ferry/version.properties")) {
      if (in == null) {
        return "dev";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "dev");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Binds and starts accepting.
   *
   * @return the bound address (the real port when 0 was asked for)
   */
  public synchronized InetSocketAddress start() throws InterruptedException {
    if (listener != null) {
      throw new IllegalStateException("already started");
    }
    boss = transport.newGroup(1, DaemonThreadFactory.named("ferry-accept"));
    workers = transport.newGroup(0, DaemonThreadFactory.named("ferry-io"));
    ServerBootstrap b =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(transport.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, Relay.WATER_MARK)
            .childHandler(new GatewayChannelInitializer(context, ssl));
    String host = config.gateway().bind() == null ? "0.0.0.0" : config.gateway().bind();
    try {
      listener = b.bind(host, port).sync().channel();
    } catch (RuntimeException | InterruptedException e) {
      boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw e;
    }
    bound = (InetSocketAddress) listener.localAddress();
    log.info(
        "gateway {} on {} ({}, {} proxies, {})",
        config.gateway().name(),
        bound,
        transport,
        config.proxies().size(),
        ssl != null ? "TLS" : "plain HTTP");
    return bound;
  }

  /** The bound address, or null before {@link #start}. */
  public InetSocketAddress address() {
    return bound;
  }

  /** "https" when the gateway serves TLS itself, else "http". */
  public String scheme() {
    return ssl != null ? "https" : "http";
  }

  /** The config in use: the one started with, or the last one a reload applied. */
  public GatewayConfig config() {
    return context.config();
  }

  /**
   * Applies a validated config to the running gateway at once: proxies appear, change or go for new
   * tunnels; live sessions keep their proxy's target and limits, except that sessions whose proxy
   * was removed end with {@code proxy-removed} and sessions whose user the allow rules no longer
   * name end with {@code access-revoked}. Settings that need a restart (see {@link
   * RestartOnlySettings}) keep their running values, each named in a warning.
   *
   * @return the keys that were kept for want of a restart
   */
  public synchronized List<String> reload(GatewayConfig next) {
    RestartOnlySettings.Kept kept = RestartOnlySettings.keep(config, next);
    for (String key : kept.keys()) {
      log.warn("config reload: {} changed, but it only takes effect after a restart", key);
    }
    GatewayConfig before = context.config();
    List<TunnelSession> ended = context.swap(kept.config());
    context.metrics().configReload("ok");
    log.info(
        "config reloaded: {} proxies (added {}, removed {}, changed {}); {} sessions ended",
        kept.config().proxies().size(),
        names(kept.config(), before),
        names(before, kept.config()),
        changed(before, kept.config()),
        ended.size());
    return kept.keys();
  }

  /**
   * Watches {@code file} (the file this gateway's config came from) and {@link #reload}s it when
   * its content changes; an invalid file keeps the config in use, logs each problem as {@code
   * FILE:LINE:COLUMN: message} and counts {@code ferry_config_reloads_total{result="invalid"}}.
   * {@link #stop} ends the watching.
   */
  public synchronized void watchConfig(Path file, Duration interval) {
    if (watcher != null) {
      throw new IllegalStateException("already watching");
    }
    watcher =
        ConfigWatcher.start(
            file,
            interval,
            System.getenv(),
            new ConfigWatcher.Listener() {
              @Override
              public void changed(GatewayConfig next) {
                if (!draining()) {
                  reload(next);
                }
              }

              @Override
              public void invalid(List<ConfigProblem> problems) {
                for (ConfigProblem p : problems) {
                  log.error("config reload: {}", p);
                }
                log.error(
                    "config reload: {} is invalid ({} problems); keeping the config in use",
                    file,
                    problems.size());
                context.metrics().configReload("invalid");
              }
            });
  }

  /** Looks at the watched config file now rather than at the next poll (SIGHUP). */
  public synchronized void checkConfigNow() {
    if (watcher != null) {
      watcher.checkNow();
    }
  }

  /** Names of proxies in {@code a} but not in {@code b}. */
  private static List<String> names(GatewayConfig a, GatewayConfig b) {
    return a.proxies().stream().map(ProxyConfig::name).filter(n -> b.proxy(n).isEmpty()).toList();
  }

  /** Names of proxies in both whose settings differ. */
  private static List<String> changed(GatewayConfig before, GatewayConfig after) {
    return after.proxies().stream()
        .filter(p -> before.proxy(p.name()).map(old -> !old.equals(p)).orElse(false))
        .map(ProxyConfig::name)
        .toList();
  }

  /** True from {@link #stop} on: /readyz says 503 and new tunnels are refused. */
  public boolean draining() {
    return context.draining();
  }

  /** Sessions open right now. */
  public int activeSessions() {
    return context.sessions().size();
  }

  /**
   * The live sessions, as a read-only view: for tests and in-process diagnostics (their relay
   * figures, say), never served over HTTP.
   */
  public Collection<TunnelSession> sessions() {
    return Collections.unmodifiableCollection(context.sessions());
  }

  /**
   * Stops in order within {@code deadline}: refuse new tunnels and report not-ready, tell live
   * tunnels, wait for them until shortly before the deadline, close those left with 4503 (their
   * session.end records are written), then stop the event loops.
   */
  public void stop(Duration deadline) throws InterruptedException {
    synchronized (this) {
      if (listener == null || context.draining()) {
        return;
      }
      context.startDraining();
      if (watcher != null) {
        watcher.close();
      }
    }
    long start = System.nanoTime();
    long end = start + deadline.toNanos();
    // Room at the end for close frames, session.end records and the event loops' shutdown.
    // Busy tunnels on a loaded machine need most of it: the close round, then the abort round.
    long margin = Math.min(Duration.ofMillis(2500).toNanos(), deadline.toNanos() / 3);
    List<TunnelSession> live = List.copyOf(context.sessions());
    log.info("draining: {} live tunnels, deadline {} ms", live.size(), deadline.toMillis());
    live.forEach(TunnelSession::noticeDraining);
    if (!context.awaitNoSessions(end - margin)) {
      List<TunnelSession> left = List.copyOf(context.sessions());
      log.info("closing {} tunnels still open", left.size());
      left.forEach(s -> s.expire(TunnelError.DRAINING, "the gateway is shutting down"));
      if (!context.awaitNoSessions(end - margin * 2 / 5)) {
        // A close waits for queued bytes to reach the upstream; one that stopped reading would
        // hold it past the deadline. Drop the rest, so session.end is still written in time.
        List<TunnelSession> stuck = List.copyOf(context.sessions());
        log.info(
            "aborting {} tunnels whose close did not complete ({} ms into the drain)",
            stuck.size(),
            (System.nanoTime() - start) / 1_000_000);
        stuck.forEach(TunnelSession::abort);
        context.awaitNoSessions(end - margin / 10);
      }
    }
    listener.close().await(100, TimeUnit.MILLISECONDS);
    long left = Math.max(0, end - System.nanoTime());
    boss.shutdownGracefully(0, left, TimeUnit.NANOSECONDS);
    workers.shutdownGracefully(0, left, TimeUnit.NANOSECONDS);
  }

  /**
   * Waits at most {@code max} for the event loops to stop after {@link #stop}; the process can exit
   * without them (their threads are daemons) when a loop is still busy past the drain deadline.
   *
   * @return true when they stopped
   */
  public boolean awaitTermination(Duration max) throws InterruptedException {
    if (workers == null) {
      return true;
    }
    long end = System.nanoTime() + max.toNanos();
    return workers.terminationFuture().await(max.toMillis())
        && boss.terminationFuture().await(Math.max(1, (end - System.nanoTime()) / 1_000_000));
  }

  /** Waits until the event loops stopped after {@link #stop}. */
  public void awaitTermination() throws InterruptedException {
    if (workers != null) {
      workers.terminationFuture().await();
      boss.terminationFuture().await();
    }
  }
}
