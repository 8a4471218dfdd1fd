package dev.ferry.client.net;

import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A java.net.http client that adds the proxy's {@code Proxy-Authorization} to each request bound
 * for a proxy with credentials. Up front rather than through an {@link Authenticator}: with an
 * authenticator set, the JDK 17 client was seen to send requests through a CONNECT tunnel without
 * their own {@code Authorization} header. The JDK sends Proxy-* headers only to the proxy.
 */
final class ProxiedHttpClient extends HttpClient {
  private final HttpClient delegate;
  private final ProxySettings proxies;

  ProxiedHttpClient(HttpClient delegate, ProxySettings proxies) {
    this.delegate = delegate;
    this.proxies = proxies;
  }

  private HttpRequest withProxyAuth(HttpRequest req) {
    String auth = proxies.proxyAuthorization(req.uri());
    if (auth == null || req.headers().firstValue("Proxy-Authorization").isPresent()) {
      return req;
    }
    return HttpRequest.newBuilder(req, (name, value) -> true)
        .header("Proxy-Authorization", auth)
        .build();
  }

  @Override
  public <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler)
      throws IOException, InterruptedException {
    return delegate.send(withProxyAuth(req), handler);
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest req, HttpResponse.BodyHandler<T> handler) {
    return delegate.sendAsync(withProxyAuth(req), handler);
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest req,
      HttpResponse.BodyHandler<T> handler,
      HttpResponse.PushPromiseHandler<T> push) {
    return delegate.sendAsync(withProxyAuth(req), handler, push);
  }

  @Override
  public WebSocket.Builder newWebSocketBuilder() {
    return delegate.newWebSocketBuilder();
  }

  @Override
  public Optional<CookieHandler> cookieHandler() {
    return delegate.cookieHandler();
  }

  @Override
  public Optional<Duration> connectTimeout() {
    return delegate.connectTimeout();
  }

  @Override
  public Redirect followRedirects() {
    return delegate.followRedirects();
  }

  @Override
  public Optional<ProxySelector> proxy() {
    return delegate.proxy();
  }

  @Override
  public SSLContext sslContext() {
    return delegate.sslContext();
  }

  @Override
  public SSLParameters sslParameters() {
    return delegate.sslParameters();
  }

  @Override
  public Optional<Authenticator> authenticator() {
    return delegate.authenticator();
  }

  @Override
  public Version version() {
    return delegate.version();
  }

  @Override
  public Optional<Executor> executor() {
    return delegate.executor();
  }
}
