package dev.ferry.client.net;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.proxy.HttpProxyHandler;
import io.netty.handler.proxy.ProxyConnectException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Netty's side of {@link ProxySettings}: the HTTP CONNECT handler that goes first in a client
 * pipeline, and failures worded so that they name the proxy, not the gateway behind it.
 */
public final class ProxyHandlers {
  /** Longest wait for the proxy's answer to CONNECT. */
  public static final long CONNECT_TIMEOUT_MS = 10_000;

  /**
   * Goes right after the CONNECT handler: its failure was reported through {@code connectFuture()}
   * already, so it is not passed on to handlers that would report it again (or log it as
   * unhandled).
   */
  public static final ChannelHandler REPORTED_FAILURES = new ReportedFailures();

  private ProxyHandlers() {}

  @Sharable
  private static final class ReportedFailures extends ChannelInboundHandlerAdapter {
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof ProxyConnectException) {
        ctx.close();
      } else {
        ctx.fireExceptionCaught(cause);
      }
    }
  }

  /**
   * A CONNECT handler for {@code proxy}; Basic credentials when the URL had them. The proxy's
   * address is resolved here (the caller runs this off the event loop), the destination's never:
   * the proxy resolves it.
   *
   * @throws UnknownHostException when the proxy's name does not resolve
   */
  public static HttpProxyHandler connectHandler(ProxySettings.HttpProxy proxy)
      throws UnknownHostException {
    InetSocketAddress address = new InetSocketAddress(proxy.host(), proxy.port());
    if (address.isUnresolved()) {
      throw new UnknownHostException(proxy.host());
    }
    HttpProxyHandler h =
        proxy.hasCredentials()
            ? new HttpProxyHandler(address, proxy.user(), proxy.password())
            : new HttpProxyHandler(address);
    h.setConnectTimeoutMillis(CONNECT_TIMEOUT_MS);
    return h;
  }

  /**
   * Why reaching {@code destination} (host:port) through {@code proxy} failed, e.g. {@code proxy
   * 127.0.0.1:3128 (HTTPS_PROXY) refused CONNECT to gw.example:443: 407 Proxy Authentication
   * Required}.
   */
  public static String failure(ProxySettings.HttpProxy proxy, String destination, Throwable cause) {
    String who = proxy.describe();
    if (cause instanceof UnknownHostException) {
      return who + " unreachable: unknown host " + proxy.host();
    }
    if (cause instanceof ConnectTimeoutException) {
      return who + " unreachable: timed out";
    }
    // ProxyConnectException is a ConnectException: it goes first.
    if (cause instanceof ProxyConnectException) {
      String m = String.valueOf(cause.getMessage());
      int status = m.indexOf("status: ");
      if (status >= 0) {
        String answer = m.substring(status + "status: ".length());
        String hint =
            answer.startsWith("407")
                ? proxy.hasCredentials()
                    ? " (check the user and password in " + proxy.source() + ")"
                    : " (put user:password@ in " + proxy.source() + ")"
                : "";
        return who + " refused CONNECT to " + destination + ": " + answer + hint;
      }
      if (m.endsWith("timeout")) {
        return who + " did not answer CONNECT to " + destination + " in time";
      }
      return who + " failed CONNECT to " + destination + ": " + m;
    }
    if (cause instanceof ConnectException) {
      return who + " unreachable: connection refused";
    }
    return who + " failed: " + cause;
  }
}
