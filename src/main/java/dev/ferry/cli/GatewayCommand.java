package dev.ferry.cli;

import dev.ferry.gateway.GatewayServer;
import dev.ferry.gateway.advertise.MdnsAdvertiser;
import dev.ferry.gateway.audit.AuditLog;
import dev.ferry.gateway.auth.OidcTokenVerifier;
import dev.ferry.gateway.config.ConfigException;
import dev.ferry.gateway.config.ConfigLoader;
import dev.ferry.gateway.config.ConfigProblem;
import dev.ferry.gateway.config.ConfigSummary;
import dev.ferry.gateway.config.ConfigWatcher;
import dev.ferry.gateway.config.GatewayConfig;
import dev.ferry.gateway.config.ServerSettings;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ferry gateway --config FILE [--port N] [--advertise]}: runs the gateway until SIGTERM. */
@Command(
    name = "gateway",
    mixinStandardHelpOptions = true,
    subcommands = {GatewayCheckCommand.class},
    description = {
      "Run the gateway. SIGTERM stops accepting, drains and exits 0.",
      "The config file is reloaded when its content changes (checked every 2 s, or at once on"
          + " SIGHUP)."
    })
final class GatewayCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "gateway config (YAML)")
  Path config;

  @Option(
      names = "--port",
      paramLabel = "N",
      description = "port to listen on; default $PORT, else gateway.port, else 8080")
  Integer port;

  @Option(names = "--advertise", description = "announce the gateway on the LAN (mDNS _ferry._tcp)")
  boolean advertise;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (config == null) {
      throw new CliFailure(1, "missing --config FILE");
    }
    GatewayConfig cfg = load(err);
    int effectivePort = effectivePort(cfg);
    // The summary names the port actually used (--port or $PORT may override the file).
    ServerSettings g = cfg.gateway();
    err.println(
        ConfigSummary.describe(
            new GatewayConfig(
                new ServerSettings(
                    g.name(), g.bind(), effectivePort, g.publicUrl(), g.tls(), g.allowedOrigins()),
                cfg.issuers(),
                cfg.audit(),
                cfg.proxies())));
    err.flush();

    CountDownLatch stopped = new CountDownLatch(1);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (OidcTokenVerifier verifier = new OidcTokenVerifier(cfg.issuers());
        AuditLog audit = AuditLog.create(cfg.audit(), System.out, Clock.systemUTC())) {
      verifier.warmUp().exceptionally(e -> null);
      GatewayServer server =
          new GatewayServer(cfg, effectivePort, verifier, registry, audit, Clock.systemUTC());
      InetSocketAddress bound;
      try {
        bound = server.start();
      } catch (Exception e) {
        throw new CliFailure(
            1,
            "cannot listen on "
                + cfg.gateway().bind()
                + ":"
                + effectivePort
                + ": "
                + e.getMessage());
      }
      MdnsAdvertiser advertiser =
          advertise
              ? MdnsAdvertiser.startForGateway(
                  cfg.gateway(), bound.getPort(), VersionProvider.version())
              : null;
      if (advertiser != null && !advertiser.active()) {
        err.println("ferry: not advertising on the LAN: " + advertiser.reason().orElse("unknown"));
        err.flush();
      }
      // The file is polled for changes; SIGHUP asks for a look right away.
      server.watchConfig(config, ConfigWatcher.DEFAULT_INTERVAL);
      Signals.onHangup(server::checkConfigNow);
      Signals.onTermination(
          () -> {
            // Stop announcing while draining, in parallel: closing JmDNS takes up to 3 s and
            // the whole stop must fit in 8 s.
            if (advertiser != null) {
              Thread mdnsClose = new Thread(advertiser::close, "ferry-mdns-stop");
              mdnsClose.setDaemon(true);
              mdnsClose.start();
            }
            try {
              server.stop(GatewayServer.DEFAULT_STOP_DEADLINE);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            } finally {
              stopped.countDown();
            }
          });
      out.println(
          "ferry gateway listening on "
              + server.scheme()
              + "://"
              + hostOf(bound)
              + ":"
              + bound.getPort());
      out.flush();
      stopped.await();
      // stop() keeps to its deadline; a loop still busy after it must not push the exit past 8 s.
      server.awaitTermination(Duration.ofMillis(700));
    }
    return 0;
  }

  private GatewayConfig load(PrintWriter err) {
    try {
      return ConfigLoader.load(config);
    } catch (ConfigException e) {
      for (ConfigProblem p : e.problems()) {
        err.println(p);
      }
      throw new CliFailure(
          1, "invalid config " + config + " (" + e.problems().size() + " problems)");
    } catch (NoSuchFileException e) {
      throw new CliFailure(1, "cannot read " + config + ": no such file");
    } catch (IOException e) {
      throw new CliFailure(1, "cannot read " + config + ": " + e.getMessage());
    }
  }

  private int effectivePort(GatewayConfig cfg) {
    if (port != null) {
      return port;
    }
    String env = System.getenv("PORT");
    if (env != null && !env.isBlank()) {
      try {
        int p = Integer.parseInt(env.trim());
        if (p >= 0 && p <= 65535) {
          return p;
        }
      } catch (NumberFormatException ignored) {
        // fall through to the error below
      }
      throw new CliFailure(1, "$PORT is not a port number: " + env);
    }
    return cfg.gateway().port();
  }

  private static String hostOf(InetSocketAddress a) {
    String h = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
    return h.contains(":") ? "[" + h + "]" : h;
  }
}
