package dev.ferry.client.discovery;

import dev.ferry.tunnel.LanDiscovery;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import javax.jmdns.JmDNS;
import javax.jmdns.ServiceEvent;
import javax.jmdns.ServiceInfo;
import javax.jmdns.ServiceListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds gateways on the LAN: browses mDNS for {@value LanDiscovery#SERVICE_TYPE} and keeps the ones
 * whose TXT record carries an http(s) {@code url}.
 *
 * <p><b>Threads.</b> {@code found} and {@code lost} run on a JmDNS thread, one call at a time. They
 * must return quickly and must not touch UI state directly: a JavaFX caller hops with {@code
 * Platform.runLater}. {@link #current()} is safe from any thread.
 *
 * <p><b>Events.</b> {@code found} fires once per gateway; when a gateway's TXT record changes,
 * {@code lost} fires with the old value, then {@code found} with the new one. {@code lost} fires
 * when the gateway says goodbye or its records expire; an mDNS host that vanishes without goodbye
 * is only noticed when its records' TTL runs out.
 *
 * <p>Like the advertiser, it never fails because the machine cannot multicast: {@link #active()} is
 * then false and {@link #reason()} says why.
 */
public final class GatewayBrowser implements AutoCloseable {
  /** Longest {@link #close()} waits for JmDNS to shut down. */
  public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(3);

  private static final Logger LOG = LoggerFactory.getLogger(GatewayBrowser.class);

  /**
   * A gateway seen on the LAN.
   *
   * @param name display name (TXT {@code name}, else the DNS-SD instance name)
   * @param url the URL to use for login and tunnels, http or https
   * @param version the gateway's version, null when it did not advertise one
   */
  public record DiscoveredGateway(String name, URI url, String version) {
    public DiscoveredGateway {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(url, "url");
    }
  }

  private final JmDNS jmdns;
  private final Listener listener;
  private final InetAddress address;
  private final String reason;
  private final AtomicBoolean closed = new AtomicBoolean();

  private GatewayBrowser(JmDNS jmdns, Listener listener, InetAddress address, String reason) {
    this.jmdns = jmdns;
    this.listener = listener;
    this.address = address;
    this.reason = reason;
  }

  /**
   * Starts browsing on {@code iface}.
   *
   * @param iface the address to listen on; a wildcard or null picks one with {@link
   *     LanDiscovery#interfaceFor}
   * @param found called on a JmDNS thread when a gateway appears
   * @param lost called on a JmDNS thread when a gateway goes away
   * @return an active browser, or an inactive one with a {@link #reason()}
   */
  public static GatewayBrowser start(
      InetAddress iface, Consumer<DiscoveredGateway> found, Consumer<DiscoveredGateway> lost) {
    Objects.requireNonNull(found, "found");
    Objects.requireNonNull(lost, "lost");
    InetAddress address = LanDiscovery.interfaceFor(iface);
    Listener listener = new Listener(found, lost);
    try {
      JmDNS jmdns = JmDNS.create(address, "ferry-client");
      jmdns.addServiceListener(LanDiscovery.SERVICE_TYPE, listener);
      return new GatewayBrowser(jmdns, listener, address, null);
    } catch (IOException | RuntimeException e) {
      String why =
          "mDNS is not available on "
              + address.getHostAddress()
              + ": "
              + Optional.ofNullable(e.getMessage()).orElse(e.getClass().getSimpleName());
      LOG.debug("not browsing", e);
      return new GatewayBrowser(null, listener, address, why);
    }
  }

  /** The gateways currently known, sorted by name then URL. Thread-safe snapshot. */
  public List<DiscoveredGateway> current() {
    return listener.known.values().stream()
        .sorted(
            Comparator.comparing(DiscoveredGateway::name, String.CASE_INSENSITIVE_ORDER)
                .thenComparing(g -> g.url().toString()))
        .toList();
  }

  /** True while browsing. */
  public boolean active() {
    return jmdns != null && !closed.get();
  }

  /** Why the browser is not browsing, one line; empty when {@link #active()}. */
  public Optional<String> reason() {
    if (jmdns == null) {
      return Optional.of(reason);
    }
    return closed.get() ? Optional.of("closed") : Optional.empty();
  }

  /** The address mDNS runs on. */
  public InetAddress address() {
    return address;
  }

  /**
   * Stops browsing and closes JmDNS, waiting at most {@link #CLOSE_TIMEOUT}. No callback runs after
   * this returns. Idempotent.
   */
  @Override
  public void close() {
    if (jmdns == null || !closed.compareAndSet(false, true)) {
      return;
    }
    listener.stop();
    boolean inTime =
        LanDiscovery.closeWithin(
            () -> {
              jmdns.removeServiceListener(LanDiscovery.SERVICE_TYPE, listener);
              jmdns.close();
            },
            CLOSE_TIMEOUT);
    if (!inTime) {
      LOG.warn("mDNS shutdown still running after {} ms; not waiting", CLOSE_TIMEOUT.toMillis());
    }
  }

  /**
   * Turns a resolved service into a gateway, or empty when its TXT has no usable {@code url}.
   * Package-private for tests.
   */
  static Optional<DiscoveredGateway> toGateway(ServiceInfo info) {
    String url = info.getPropertyString(LanDiscovery.TXT_URL);
    if (url == null) {
      return Optional.empty();
    }
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      return Optional.empty();
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
      return Optional.empty();
    }
    String name = info.getPropertyString(LanDiscovery.TXT_NAME);
    if (name == null || name.isBlank()) {
      name = info.getName();
    }
    String version = info.getPropertyString(LanDiscovery.TXT_VERSION);
    return Optional.of(new DiscoveredGateway(name, uri, version));
  }

  /** The JmDNS listener; keyed by the service's qualified name (case-insensitive, as in DNS). */
  private static final class Listener implements ServiceListener {
    final Map<String, DiscoveredGateway> known = new ConcurrentHashMap<>();
    private final Consumer<DiscoveredGateway> found;
    private final Consumer<DiscoveredGateway> lost;
    private final Object lock = new Object();
    private boolean stopped;

    Listener(Consumer<DiscoveredGateway> found, Consumer<DiscoveredGateway> lost) {
      this.found = found;
      this.lost = lost;
    }

    @Override
    public void serviceAdded(ServiceEvent event) {
      // Resolution (SRV + TXT) follows on its own and ends in serviceResolved.
    }

    @Override
    public void serviceResolved(ServiceEvent event) {
      String key = key(event);
      Optional<DiscoveredGateway> gateway = toGateway(event.getInfo());
      synchronized (lock) {
        if (stopped) {
          return;
        }
        DiscoveredGateway before =
            gateway.isPresent() ? known.put(key, gateway.get()) : known.remove(key);
        if (gateway.isPresent() && gateway.get().equals(before)) {
          return;
        }
        if (before != null) {
          notify(lost, before);
        }
        gateway.ifPresent(g -> notify(found, g));
      }
    }

    @Override
    public void serviceRemoved(ServiceEvent event) {
      synchronized (lock) {
        if (stopped) {
          return;
        }
        DiscoveredGateway before = known.remove(key(event));
        if (before != null) {
          notify(lost, before);
        }
      }
    }

    void stop() {
      synchronized (lock) {
        stopped = true;
      }
    }

    private static String key(ServiceEvent event) {
      return (event.getName() + "." + event.getType()).toLowerCase(Locale.ROOT);
    }

    private static void notify(Consumer<DiscoveredGateway> callback, DiscoveredGateway gateway) {
      try {
        callback.accept(gateway);
      } catch (RuntimeException e) {
        LOG.warn("discovery callback failed for {}", gateway.url(), e);
      }
    }
  }
}
