package dev.ferry.client.net;

import java.io.IOException;
import java.net.CookieHandler;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.CookieStore;
import java.net.HttpCookie;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * The cookies of one gateway's origin, in memory only: what a load balancer in front of several
 * gateway instances (Cloud Run session affinity, ingress-nginx {@code affinity: cookie}, GCLB, ALB
 * stickiness) sets to send a client back to the same instance. A resume must reach the instance
 * that holds its session, so every request to the gateway (tunnel opens, resumes, the HTTP API)
 * keeps what came back in {@code Set-Cookie} and sends the matching {@code Cookie}. The gateway
 * itself ignores cookies; they are for whatever stands in front of it.
 *
 * <p>One jar per gateway, shared by its {@code TunnelConnector} and {@code GatewayApi}; never
 * written to disk, and its values never appear in {@link #toString} or logs. Matching follows the
 * JDK's {@link CookieManager} (origin server only, Path, Secure, expiry) with {@code ws}/{@code
 * wss} URIs matched as {@code http}/{@code https}, so a Secure cookie goes only over TLS.
 */
public final class GatewayCookies {
  private final CookieManager manager;

  /** A jar that keeps the cookies of the server that set them. */
  public GatewayCookies() {
    this(CookiePolicy.ACCEPT_ORIGINAL_SERVER);
  }

  private GatewayCookies(CookiePolicy policy) {
    this.manager =
        new CookieManager(new NetscapeStyle(new CookieManager().getCookieStore()), policy);
  }

  /**
   * A jar that keeps nothing: a client as it was before it kept cookies. For tests that show what
   * goes wrong behind an affinity balancer without them.
   */
  public static GatewayCookies none() {
    return new GatewayCookies(CookiePolicy.ACCEPT_NONE);
  }

  /** For {@code HttpClient.Builder.cookieHandler}: the HTTP API shares the tunnels' cookies. */
  public CookieHandler handler() {
    return manager;
  }

  /** Keeps the {@code Set-Cookie} values of a response to a request for {@code uri}. */
  public void received(URI uri, List<String> setCookies) {
    if (setCookies.isEmpty()) {
      return;
    }
    try {
      manager.put(httpUri(uri), Map.of("Set-Cookie", setCookies));
    } catch (IOException e) {
      // The in-memory store does no I/O; a malformed header is skipped by the manager itself.
    }
  }

  /** The {@code Cookie} header value for a request to {@code uri}, or null when none matches. */
  public String header(URI uri) {
    List<String> cookies;
    try {
      cookies = manager.get(httpUri(uri), Map.of()).getOrDefault("Cookie", List.of());
    } catch (IOException e) {
      return null;
    }
    return cookies.isEmpty() ? null : String.join("; ", cookies);
  }

  /** How many cookies are kept (expired ones excluded); never their values. */
  public int size() {
    return manager.getCookieStore().getCookies().size();
  }

  /**
   * A WebSocket URI as the HTTP URI of its upgrade request: the JDK manager skips HttpOnly cookies
   * for other schemes and sends Secure ones only for https.
   */
  static URI httpUri(URI uri) {
    String scheme = uri.getScheme();
    if ("ws".equalsIgnoreCase(scheme) || "wss".equalsIgnoreCase(scheme)) {
      String s = uri.toString();
      return URI.create(
          ("wss".equalsIgnoreCase(scheme) ? "https" : "http") + s.substring(scheme.length()));
    }
    return uri;
  }

  @Override
  public String toString() {
    return "GatewayCookies(" + size() + " kept)";
  }

  /**
   * Keeps every cookie as a plain (version 0) one: the JDK takes a {@code Set-Cookie} with Max-Age
   * and no Expires for an RFC 2965 cookie and would send it back as {@code name="value";
   * $Path=...}, which load balancers do not read as their cookie. Browsers and RFC 6265 send {@code
   * name=value}.
   */
  private record NetscapeStyle(CookieStore store) implements CookieStore {
    @Override
    public void add(URI uri, HttpCookie cookie) {
      cookie.setVersion(0);
      store.add(uri, cookie);
    }

    @Override
    public List<HttpCookie> get(URI uri) {
      return store.get(uri);
    }

    @Override
    public List<HttpCookie> getCookies() {
      return store.getCookies();
    }

    @Override
    public List<URI> getURIs() {
      return store.getURIs();
    }

    @Override
    public boolean remove(URI uri, HttpCookie cookie) {
      return store.remove(uri, cookie);
    }

    @Override
    public boolean removeAll() {
      return store.removeAll();
    }
  }
}
