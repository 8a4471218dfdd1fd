package dev.ferry.gateway.server;

import dev.ferry.gateway.config.Target;
import dev.ferry.tunnel.net.DaemonThreadFactory;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Looks up upstream host names off the event loop. A slow DNS server must not freeze every tunnel
 * that shares the loop, and the OS resolver (nsswitch, /etc/hosts, search domains) stays the
 * authority, as it is for the other tools on the host. Called only after a caller was authorized.
 *
 * <p>The answer is checked here, after resolution, not in the config: a harmless-looking name can
 * resolve (or be made to resolve, by whoever controls its DNS) to a link-local address such as the
 * cloud metadata server 169.254.169.254, which hands out the host's credentials. Such an address is
 * refused unless the proxy sets {@code allowLinkLocal: true}.
 */
final class UpstreamResolver {
  /** Name lookup; the OS resolver in production, replaceable in tests. */
  interface Lookup {
    InetAddress byName(String host) throws UnknownHostException;
  }

  private final ExecutorService pool;
  private final Lookup lookup;

  UpstreamResolver() {
    this(InetAddress::getByName);
  }

  UpstreamResolver(Lookup lookup) {
    this.lookup = lookup;
    ThreadPoolExecutor p =
        new ThreadPoolExecutor(
            8,
            8,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(4096),
            DaemonThreadFactory.named("ferry-dns"));
    p.allowCoreThreadTimeOut(true);
    this.pool = p;
  }

  /**
   * Completes with a resolved address, or fails with {@link UnknownHostException}, or with {@link
   * LinkLocalRefusedException} when the address is link-local and {@code allowLinkLocal} is false.
   * An IP literal needs no lookup: it completes at once, on the caller's thread, sparing every
   * tunnel to it two thread hops (to the pool and back to the event loop).
   */
  CompletableFuture<InetSocketAddress> resolve(Target target, boolean allowLinkLocal) {
    // A scoped IPv6 literal (fe80::1%eth0) keeps the slow path: NetUtil would drop its scope.
    String host = target.host();
    byte[] literal =
        host.indexOf('%') < 0 ? NetUtil.createByteArrayFromIpAddressString(host) : null;
    if (literal != null) {
      try {
        InetAddress address = InetAddress.getByAddress(literal);
        if (!allowLinkLocal && isLinkLocal(address)) {
          return CompletableFuture.failedFuture(new LinkLocalRefusedException(host, address));
        }
        return CompletableFuture.completedFuture(new InetSocketAddress(address, target.port()));
      } catch (UnknownHostException e) {
        return CompletableFuture.failedFuture(e); // cannot happen: 4 or 16 bytes
      }
    }
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            InetAddress address = lookup.byName(target.host());
            if (!allowLinkLocal && isLinkLocal(address)) {
              throw new CompletionException(new LinkLocalRefusedException(target.host(), address));
            }
            return new InetSocketAddress(address, target.port());
          } catch (UnknownHostException e) {
            throw new CompletionException(e);
          }
        },
        pool);
  }

  /**
   * 169.254.0.0/16 and fe80::/10, also when written as an IPv4-mapped or IPv4-compatible IPv6
   * address.
   */
  static boolean isLinkLocal(InetAddress address) {
    if (address.isLinkLocalAddress()) {
      return true;
    }
    byte[] b = address.getAddress();
    if (b.length == 16) {
      boolean mappedOrCompatible = true;
      for (int i = 0; i < 10; i++) {
        mappedOrCompatible &= b[i] == 0;
      }
      boolean ffff = (b[10] == (byte) 0xff && b[11] == (byte) 0xff) || (b[10] == 0 && b[11] == 0);
      return mappedOrCompatible && ffff && b[12] == (byte) 169 && b[13] == (byte) 254;
    }
    return false;
  }
}
