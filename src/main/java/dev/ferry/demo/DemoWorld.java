package dev.ferry.demo;

import dev.ferry.gateway.GatewayServer;
import dev.ferry.gateway.audit.AuditLog;
import dev.ferry.gateway.audit.AuditSink;
import dev.ferry.gateway.auth.OidcTokenVerifier;
import dev.ferry.gateway.config.AccessRule;
import dev.ferry.gateway.config.AuditSettings;
import dev.ferry.gateway.config.GatewayConfig;
import dev.ferry.gateway.config.IssuerSettings;
import dev.ferry.gateway.config.Limits;
import dev.ferry.gateway.config.ProxyConfig;
import dev.ferry.gateway.config.ServerSettings;
import dev.ferry.gateway.config.Target;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded world of {@code ferry demo}, all on 127.0.0.1 and free ports: the demo OIDC provider
 * ({@link DemoIssuer}), a gateway trusting it, and three targets behind it — {@code demo-web} (who
 * am I, group dev), {@code demo-echo} (TCP echo, group dev) and {@code demo-db} (H2 over TCP, group
 * dba only). {@link #close} stops everything in reverse order, each step bounded.
 */
public final class DemoWorld implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DemoWorld.class);

  /** How long the gateway drains live tunnels when the demo stops. */
  static final Duration GATEWAY_DRAIN = Duration.ofSeconds(2);

  private static final Duration WARM_UP = Duration.ofSeconds(20);

  /** How often the token files are renewed (the provider's tokens live an hour). */
  static final Duration TOKEN_RENEWAL = Duration.ofMinutes(30);

  /** One demo proxy as the instructions describe it. */
  public record DemoProxy(
      String name,
      String kind,
      String description,
      List<String> tags,
      List<String> groups,
      int targetPort) {}

  private final Path folder;
  private final DemoIssuer issuer;
  private final GatewayServer gateway;
  private final String gatewayUrl;
  private final List<DemoProxy> proxies;
  private final Deque<AutoCloseable> closers;
  private boolean closed;

  private DemoWorld(
      Path folder,
      DemoIssuer issuer,
      GatewayServer gateway,
      String gatewayUrl,
      List<DemoProxy> proxies,
      Deque<AutoCloseable> closers) {
    this.folder = folder;
    this.issuer = issuer;
    this.gateway = gateway;
    this.gatewayUrl = gatewayUrl;
    this.proxies = List.copyOf(proxies);
    this.closers = closers;
  }

  /**
   * Starts the world in a new temporary folder (removed again by {@link #close}) and returns once
   * the gateway accepts tunnels and has fetched the provider's keys.
   *
   * @param auditOut where the gateway's audit lines go besides demo-web's feed; null for nowhere
   */
  public static DemoWorld start(OutputStream auditOut) throws Exception {
    Path folder = Files.createTempDirectory("ferry-demo-");
    Deque<AutoCloseable> closers = new ArrayDeque<>();
    closers.push(() -> deleteTree(folder));
    try {
      DemoIssuer issuer = DemoIssuer.start(folder, DemoUser.ALL);
      closers.push(issuer);
      SessionFeed feed = new SessionFeed();
      DatabaseTarget db = DatabaseTarget.start();
      closers.push(db);
      EchoTarget echo = EchoTarget.start();
      closers.push(echo);
      WebTarget web = WebTarget.start(feed, Clock.systemUTC());
      closers.push(web);

      List<DemoProxy> proxies =
          List.of(
              new DemoProxy(
                  WebTarget.PROXY,
                  "http",
                  "A web page that says who you are and which tunnel carried you",
                  List.of("demo", "web"),
                  List.of("dev"),
                  web.port()),
              new DemoProxy(
                  "demo-echo",
                  "tcp",
                  "TCP echo: every byte you send comes back",
                  List.of("demo", "echo"),
                  List.of("dev"),
                  echo.port()),
              new DemoProxy(
                  "demo-db",
                  "tcp",
                  "H2 SQL database with an orders table (user demo, password demo)",
                  List.of("demo", "db", "sql"),
                  List.of("dba"),
                  db.port()));
      GatewayConfig config = config(issuer.issuer(), proxies);

      List<AuditSink> sinks = new ArrayList<>();
      sinks.add(feed);
      if (auditOut != null) {
        sinks.add(AuditLog.streamSink(auditOut));
      }
      AuditLog audit = new AuditLog(Clock.systemUTC(), sinks);
      closers.push(audit);
      OidcTokenVerifier verifier = new OidcTokenVerifier(config.issuers());
      closers.push(verifier);
      verifier.warmUp().get(WARM_UP.toMillis(), TimeUnit.MILLISECONDS);
      GatewayServer gateway =
          new GatewayServer(
              config,
              0,
              verifier,
              new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
              audit,
              Clock.systemUTC());
      int port = gateway.start().getPort();
      closers.push(
          () -> {
            gateway.stop(GATEWAY_DRAIN);
            gateway.awaitTermination();
          });
      closers.push(startTokenFiles(issuer, folder));
      return new DemoWorld(folder, issuer, gateway, "http://127.0.0.1:" + port, proxies, closers);
    } catch (Exception | Error e) {
      closeAll(closers);
      throw e;
    }
  }

  /**
   * Writes {@code USER.token} for every demo user into {@code folder} now and renews them every
   * {@link #TOKEN_RENEWAL} (tokens live an hour): {@code --token-file} then works for any client
   * command, also where no OS keychain keeps a browser sign-in.
   */
  private static AutoCloseable startTokenFiles(DemoIssuer issuer, Path folder) throws Exception {
    for (DemoUser u : DemoUser.ALL) {
      writeToken(issuer, folder, u);
    }
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "demo-tokens");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(
        () -> {
          for (DemoUser u : DemoUser.ALL) {
            try {
              writeToken(issuer, folder, u);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return;
            } catch (IOException e) {
              LOG.warn("could not renew {}'s demo token: {}", u.name(), e.getMessage());
            }
          }
        },
        TOKEN_RENEWAL.toMinutes(),
        TOKEN_RENEWAL.toMinutes(),
        TimeUnit.MINUTES);
    return timer::shutdownNow;
  }

  private static void writeToken(DemoIssuer issuer, Path folder, DemoUser u)
      throws IOException, InterruptedException {
    Path file = folder.resolve(u.name() + ".token");
    Path temp = Files.createTempFile(folder, u.name(), ".tmp");
    Files.writeString(temp, issuer.passwordGrant(u));
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** The file holding a fresh ID token for {@code user} while the demo runs. */
  public Path tokenFile(DemoUser user) {
    return folder.resolve(user.name() + ".token");
  }

  /** The demo gateway's configuration: loopback, the demo issuer, one proxy per target. */
  static GatewayConfig config(String issuer, List<DemoProxy> proxies) {
    Limits limits =
        new Limits(
            0, 0, Duration.ofMinutes(30), Duration.ofHours(12), Duration.ofSeconds(5), false);
    List<ProxyConfig> configs = new ArrayList<>();
    for (DemoProxy p : proxies) {
      configs.add(
          new ProxyConfig(
              p.name(),
              p.description(),
              Target.parse("127.0.0.1:" + p.targetPort()),
              p.kind(),
              p.tags(),
              new AccessRule(Set.of(), Set.copyOf(p.groups())),
              limits));
    }
    return new GatewayConfig(
        new ServerSettings("ferry-demo", "127.0.0.1", 0, null, null, List.of()),
        List.of(
            new IssuerSettings(
                issuer,
                List.of(DemoIssuer.CLIENT_ID),
                DemoIssuer.CLIENT_ID,
                List.of("openid", "email", "profile"),
                null,
                null)),
        new AuditSettings(null),
        configs);
  }

  /** The demo proxies {@code user} may reach (for the login page and the instructions). */
  static List<String> reachable(DemoUser user) {
    List<String> names = new ArrayList<>();
    names.add(WebTarget.PROXY);
    names.add("demo-echo");
    if (user.groups().contains("dba")) {
      names.add("demo-db");
    }
    return user.groups().contains("dev") || user.groups().contains("dba") ? names : List.of();
  }

  /** {@code http://127.0.0.1:N}: the gateway. */
  public String gatewayUrl() {
    return gatewayUrl;
  }

  /** {@code http://127.0.0.1:M/ferry-demo}: the OIDC issuer. */
  public String issuer() {
    return issuer.issuer();
  }

  public List<DemoProxy> proxies() {
    return proxies;
  }

  public List<DemoUser> users() {
    return DemoUser.ALL;
  }

  /** The run's temporary folder (the login page, the desktop app's demo settings). */
  public Path folder() {
    return folder;
  }

  /** The JDBC URL of demo-db through a forwarder on {@code localPort} ("N" as a placeholder). */
  public static String jdbcUrl(String localPort) {
    return DatabaseTarget.jdbcUrl(localPort);
  }

  public int activeSessions() {
    return gateway.activeSessions();
  }

  /** Stops the gateway (draining up to {@link #GATEWAY_DRAIN}), the targets, the provider. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      closeAll(closers);
    }
  }

  private static void closeAll(Deque<AutoCloseable> closers) {
    AutoCloseable c;
    while ((c = closers.poll()) != null) {
      try {
        c.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        LOG.warn("stopping the demo: {}", e.toString());
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
