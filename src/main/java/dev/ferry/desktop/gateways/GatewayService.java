package dev.ferry.desktop.gateways;

import dev.ferry.client.api.GatewayApiException;
import dev.ferry.client.api.GatewayInfo;
import dev.ferry.client.api.ProxyList;
import dev.ferry.client.auth.TokenException;
import dev.ferry.client.forward.Forwarder;
import dev.ferry.client.forward.ForwarderListener;
import java.net.URI;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the view-models need of one gateway. Every method may block on the network or the keychain:
 * call it from the IO executor, never from the FX thread. Thread-safe.
 */
public interface GatewayService extends AutoCloseable {

  /** The gateway's base URL as the user will see and store it. */
  String url();

  /**
   * {@code GET /v1/info}; fails with a message saying what is wrong with the URL or the gateway.
   */
  GatewayInfo info() throws GatewayApiException;

  /** Signs in again silently with a stored refresh token; empty when there is none or it failed. */
  Optional<Account> resume();

  /** The browser sign-in; {@code browser} is asked to show the authorize URL. */
  Account signIn(Consumer<URI> browser) throws TokenException, GatewayApiException;

  /**
   * Renews the token if it is about to expire (silently, with the refresh token) and returns when
   * the current one expires. A failure means the user must sign in again.
   */
  Instant renew() throws TokenException;

  /** Forgets the stored sign-in; forwarders stay bound and new connections wait for a sign-in. */
  void signOut();

  /** What the signed-in user may reach. Fails with "not signed in" rather than waiting. */
  ProxyList proxies() throws GatewayApiException, TokenException;

  /**
   * Starts a forwarder on 127.0.0.1:{@code port} (0: a free one) whose tunnels wait for a sign-in
   * when there is none.
   *
   * @throws java.net.BindException (possibly wrapped by Netty) when the port is taken
   */
  Forwarder forward(String proxy, int port, ForwarderListener listener) throws Exception;

  /**
   * {@link #forward(String, int, ForwarderListener)} letting in at most {@code maxConnections}
   * local connections at once (0: no limit); one more is closed at once and reported through {@link
   * ForwarderListener#connectionLimited}. A service that cannot limit says so rather than ignoring
   * the limit.
   */
  default Forwarder forward(String proxy, int port, int maxConnections, ForwarderListener listener)
      throws Exception {
    if (maxConnections != 0) {
      throw new UnsupportedOperationException(
          getClass().getSimpleName() + " cannot limit a forwarder's connections");
    }
    return forward(proxy, port, listener);
  }

  @Override
  void close();
}
