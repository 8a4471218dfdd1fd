package dev.ferry.tunnel;

import java.io.Closeable;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The LAN discovery contract shared by the gateway (which advertises) and the clients (which
 * browse): a DNS-SD service over mDNS whose TXT record carries what a client needs to connect.
 *
 * <p>Kept here, beside the tunnel protocol, because gateway and client may not import each other.
 */
public final class LanDiscovery {
  private static final Logger LOG = LoggerFactory.getLogger(LanDiscovery.class);

  /** DNS-SD service type, fully qualified as mDNS libraries expect it. */
  public static final String SERVICE_TYPE = "_ferry._tcp.local.";

  /** TXT key: the URL clients should use (http or https). A service without it is ignored. */
  public static final String TXT_URL = "url";

  /** TXT key: the gateway's display name ({@code gateway.name}). */
  public static final String TXT_NAME = "name";

  /** TXT key: the gateway's version. */
  public static final String TXT_VERSION = "version";

  /** TXT key: the tunnel protocol the gateway speaks, {@link Protocol#SUBPROTOCOL}. */
  public static final String TXT_PROTOCOL = "protocol";

  private LanDiscovery() {}

  /**
   * The address to run mDNS on for a socket bound to {@code bind}: {@code bind} itself when it is a
   * specific address; for a wildcard (or null) the first address of an up, non-loopback,
   * multicast-capable interface, IPv4 preferred and IPv6 link-local skipped; the loopback address
   * when there is no such interface (CI machines may have nothing else).
   */
  public static InetAddress interfaceFor(InetAddress bind) {
    if (bind != null && !bind.isAnyLocalAddress()) {
      return bind;
    }
    return firstLanAddress().orElse(InetAddress.getLoopbackAddress());
  }

  private static Optional<InetAddress> firstLanAddress() {
    List<InetAddress> candidates = new ArrayList<>();
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nif.isUp() || nif.isLoopback() || !nif.supportsMulticast()) {
          continue;
        }
        for (InetAddress a : Collections.list(nif.getInetAddresses())) {
          if (!a.isLoopbackAddress() && !a.isLinkLocalAddress() && !a.isAnyLocalAddress()) {
            candidates.add(a);
          }
        }
      }
    } catch (SocketException e) {
      return Optional.empty();
    }
    return candidates.stream()
        .filter(a -> a instanceof Inet4Address)
        .findFirst()
        .or(() -> candidates.stream().findFirst());
  }

  /**
   * Runs {@code shutdown} (closing JmDNS, which waits for its goodbye announcements, about 2 s) on
   * a daemon thread and waits at most {@code timeout} for it; past that it goes on alone, so a
   * caller's own deadline (the gateway's SIGTERM budget, the FX thread) holds whatever JmDNS does.
   *
   * @return true when the shutdown finished in time
   */
  public static boolean closeWithin(Closeable shutdown, Duration timeout) {
    CountDownLatch done = new CountDownLatch(1);
    Thread closer =
        new Thread(
            () -> {
              try {
                shutdown.close();
              } catch (IOException | RuntimeException e) {
                LOG.debug("mDNS shutdown failed", e);
              } finally {
                done.countDown();
              }
            },
            "ferry-mdns-close");
    closer.setDaemon(true);
    closer.start();
    try {
      return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
