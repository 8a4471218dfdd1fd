package dev.ferry.gateway.server;

import dev.ferry.gateway.config.Target;
import dev.ferry.tunnel.net.DaemonThreadFactory;
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

  /** Completes with a resolved address, or fails with {@link UnknownHostException}. */
  CompletableFuture<InetSocketAddress> resolve(Target target) {
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
