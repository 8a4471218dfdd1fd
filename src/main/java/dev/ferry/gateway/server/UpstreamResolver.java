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
 */
final class UpstreamResolver {
  private final ExecutorService pool;

  UpstreamResolver() {
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
   * Completes with a resolved address, or fails with {@link UnknownHostException}. An IP literal
   * needs no lookup: it completes at once, on the caller's thread, sparing every tunnel to it two
   * thread hops (to the pool and back to the event loop).
   */
  CompletableFuture<InetSocketAddress> resolve(Target target) {
    // A scoped IPv6 literal (fe80::1%eth0) keeps the slow path: NetUtil would drop its scope.
    String host = target.host();
    byte[] literal =
        host.indexOf('%') < 0 ? NetUtil.createByteArrayFromIpAddressString(host) : null;
    if (literal != null) {
      try {
        return CompletableFuture.completedFuture(
            new InetSocketAddress(InetAddress.getByAddress(literal), target.port()));
      } catch (UnknownHostException e) {
        return CompletableFuture.failedFuture(e); // cannot happen: 4 or 16 bytes
      }
    }
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return new InetSocketAddress(InetAddress.getByName(target.host()), target.port());
          } catch (UnknownHostException e) {
            throw new CompletionException(e);
          }
        },
        pool);
  }
}
