package dev.ferry.gateway.advertise;

import dev.ferry.gateway.config.ServerSettings;
import dev.ferry.tunnel.LanDiscovery;
import dev.ferry.tunnel.Protocol;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.jmdns.JmDNS;
import javax.jmdns.ServiceInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Announces a gateway on the LAN as a DNS-SD service ({@value LanDiscovery#SERVICE_TYPE}) over
 * mDNS, for {@code ferry gateway --advertise}.
 *
 * <p>Advertising is best effort: {@link #start} never fails because the machine cannot multicast;
 * it returns an advertiser whose {@link #active()} is false and whose {@link #reason()} says why,
 * in one line. {@link #close()} sends the goodbye and releases the socket within {@link
 * #CLOSE_TIMEOUT}, whatever JmDNS does, so it fits in the gateway's SIGTERM budget.
 */
public final class MdnsAdvertiser implements AutoCloseable {
  /** Longest {@link #close()} waits for JmDNS to unregister and shut down. */
  public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(3);

  private static final Logger LOG = LoggerFactory.getLogger(MdnsAdvertiser.class);
  private static final int MAX_TXT_ENTRY_BYTES = 255;
  private static final int MAX_INSTANCE_NAME_BYTES = 63;

  private final JmDNS jmdns;
  private final ServiceInfo service;
  private final InetAddress address;
  private final String reason;
  private final AtomicBoolean closed = new AtomicBoolean();

  private MdnsAdvertiser(JmDNS jmdns, ServiceInfo service, InetAddress address, String reason) {
    this.jmdns = jmdns;
    this.service = service;
    this.address = address;
    this.reason = reason;
  }

  /**
   * Registers {@code instanceName} as a {@value LanDiscovery#SERVICE_TYPE} service on {@code
   * iface}. Returns at once; probing and announcing go on in the background, so browsers see the
   * service a few seconds later. JmDNS renames the instance ({@code name (2)}) when another host
   * already uses the name.
   *
   * @param iface the address to advertise on; a wildcard or null picks one with {@link
   *     LanDiscovery#interfaceFor}
   * @param instanceName DNS-SD instance name, at most 63 UTF-8 bytes
   * @param port the gateway's TCP port
   * @param txt TXT record entries; each {@code key=value} at most 255 UTF-8 bytes
   * @return an active advertiser, or an inactive one with a {@link #reason()} when mDNS is not
   *     available here
   * @throws IllegalArgumentException for an empty or too long name, a bad port or TXT entry
   */
  public static MdnsAdvertiser start(
      InetAddress iface, String instanceName, int port, Map<String, String> txt) {
    Objects.requireNonNull(instanceName, "instanceName");
    Objects.requireNonNull(txt, "txt");
    checkArguments(instanceName, port, txt);
    InetAddress address = LanDiscovery.interfaceFor(iface);
    JmDNS jmdns = null;
    try {
      jmdns = JmDNS.create(address, hostLabel(instanceName));
      ServiceInfo service =
          ServiceInfo.create(LanDiscovery.SERVICE_TYPE, instanceName, port, 0, 0, txt);
      jmdns.registerService(service);
      LOG.info(
          "advertising {} as \"{}\" on {} port {}",
          LanDiscovery.SERVICE_TYPE,
          service.getName(),
          address.getHostAddress(),
          port);
      return new MdnsAdvertiser(jmdns, service, address, null);
    } catch (IOException | RuntimeException e) {
      if (jmdns != null) {
        LanDiscovery.closeWithin(jmdns, CLOSE_TIMEOUT);
      }
      String why =
          "mDNS is not available on "
              + address.getHostAddress()
              + ": "
              + Optional.ofNullable(e.getMessage()).orElse(e.getClass().getSimpleName());
      LOG.debug("not advertising", e);
      return new MdnsAdvertiser(null, null, address, why);
    }
  }

  /**
   * {@link #start} with the gateway's contract: instance name {@code gateway.name}, TXT {@code
   * url}, {@code name}, {@code version}, {@code protocol}. The interface follows {@code
   * gateway.bind}; the URL is {@code gateway.publicUrl} when set, else {@code
   * http(s)://ADDRESS:PORT} with the address advertised on (never 0.0.0.0).
   *
   * @param settings the {@code gateway:} section
   * @param port the port the gateway actually listens on (after {@code --port} and {@code $PORT})
   * @param version the gateway's version
   */
  public static MdnsAdvertiser startForGateway(ServerSettings settings, int port, String version) {
    InetAddress address;
    try {
      address = LanDiscovery.interfaceFor(InetAddress.getByName(settings.bind()));
    } catch (UnknownHostException e) {
      return new MdnsAdvertiser(
          null,
          null,
          InetAddress.getLoopbackAddress(),
          "cannot resolve gateway.bind " + settings.bind());
    }
    URI url = gatewayUrl(settings, address, port);
    return start(address, settings.name(), port, gatewayTxt(url, settings.name(), version));
  }

  /**
   * The URL clients on the LAN should use: {@code publicUrl} when configured, else {@code
   * http://ADDRESS:PORT} ({@code https} when the gateway terminates TLS).
   */
  public static URI gatewayUrl(ServerSettings settings, InetAddress address, int port) {
    if (settings.publicUrl() != null) {
      return URI.create(settings.publicUrl());
    }
    String scheme = settings.tls() != null ? "https" : "http";
    try {
      // The multi-argument constructor brackets IPv6 literals.
      return new URI(scheme, null, address.getHostAddress(), port, null, null, null);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("no URL for " + address, e);
    }
  }

  /** The TXT record of the gateway contract, in a stable order. */
  public static Map<String, String> gatewayTxt(URI url, String name, String version) {
    Map<String, String> txt = new LinkedHashMap<>();
    txt.put(LanDiscovery.TXT_URL, url.toString());
    txt.put(LanDiscovery.TXT_NAME, name);
    txt.put(LanDiscovery.TXT_VERSION, version);
    txt.put(LanDiscovery.TXT_PROTOCOL, Protocol.SUBPROTOCOL);
    return txt;
  }

  /** True when the service is registered and will be answered for until {@link #close()}. */
  public boolean active() {
    return jmdns != null && !closed.get();
  }

  /** Why the gateway is not advertised, one line for a warning; empty when {@link #active()}. */
  public Optional<String> reason() {
    if (jmdns == null) {
      return Optional.of(reason);
    }
    return closed.get() ? Optional.of("closed") : Optional.empty();
  }

  /** The address mDNS runs on (the one chosen for a wildcard bind). */
  public InetAddress address() {
    return address;
  }

  /** The instance name as registered (JmDNS may have renamed it on conflict); empty if inactive. */
  public Optional<String> instanceName() {
    return Optional.ofNullable(service).map(ServiceInfo::getName);
  }

  /**
   * Unregisters the service (mDNS goodbye, TTL 0) and closes JmDNS, waiting at most {@link
   * #CLOSE_TIMEOUT} (it takes about 2 s: JmDNS waits for its goodbye announcements); past that the
   * shutdown goes on in a daemon thread. Idempotent. Call it when draining starts, so that clients
   * stop finding a gateway that refuses new tunnels.
   */
  @Override
  public void close() {
    if (jmdns == null || !closed.compareAndSet(false, true)) {
      return;
    }
    // JmDNS#close() itself unregisters every service (the goodbye); unregistering first would
    // cost another 2 s.
    if (!LanDiscovery.closeWithin(jmdns, CLOSE_TIMEOUT)) {
      LOG.warn("mDNS shutdown still running after {} ms; not waiting", CLOSE_TIMEOUT.toMillis());
    }
  }

  private static void checkArguments(String instanceName, int port, Map<String, String> txt) {
    int nameBytes = instanceName.getBytes(StandardCharsets.UTF_8).length;
    if (instanceName.isBlank() || nameBytes > MAX_INSTANCE_NAME_BYTES) {
      throw new IllegalArgumentException(
          "instance name must be 1 to " + MAX_INSTANCE_NAME_BYTES + " UTF-8 bytes");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    txt.forEach(
        (k, v) -> {
          if (k == null || k.isEmpty() || k.contains("=") || v == null) {
            throw new IllegalArgumentException("bad TXT entry: " + k);
          }
          int bytes = (k + "=" + v).getBytes(StandardCharsets.UTF_8).length;
          if (bytes > MAX_TXT_ENTRY_BYTES) {
            throw new IllegalArgumentException(
                "TXT entry " + k + " is " + bytes + " bytes, at most " + MAX_TXT_ENTRY_BYTES);
          }
        });
  }

  /** A DNS host label derived from the instance name, for the A/AAAA record JmDNS publishes. */
  private static String hostLabel(String instanceName) {
    String label =
        instanceName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("^-+", "");
    label = label.length() > 40 ? label.substring(0, 40) : label;
    return "ferry-" + (label.isEmpty() ? "gateway" : label);
  }
}
