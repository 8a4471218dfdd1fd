package dev.ferry.client.tunnel;

import dev.ferry.tunnel.Protocol;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * A gateway URL ({@code http[s]://host[:port][/prefix]}) and the URIs derived from it.
 *
 * @param tls true for https (tunnels over wss)
 * @param host host name or address (IPv6 without brackets)
 * @param port explicit port, or 80/443
 * @param prefix path prefix without trailing slash, "" for none
 */
public record GatewayEndpoint(boolean tls, String host, int port, String prefix) {

  public static GatewayEndpoint parse(String url) {
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a gateway URL: " + url + " (" + e.getReason() + ")");
    }
    String scheme =
        uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("gateway URL must start with http:// or https://: " + url);
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("gateway URL has no host: " + url);
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("gateway URL must not have a query or fragment: " + url);
    }
    boolean tls = scheme.equals("https");
    String host = uri.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    return new GatewayEndpoint(tls, host, port, path);
  }

  private String authority() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    boolean defaultPort = tls ? port == 443 : port == 80;
    return defaultPort ? h : h + ":" + port;
  }

  /** The gateway's base URL, e.g. {@code https://ferry.example.com/prefix}. */
  public URI baseUri() {
    return URI.create((tls ? "https" : "http") + "://" + authority() + prefix);
  }

  /** An HTTP URI below the gateway, e.g. {@code http(path="/v1/info")}. */
  public URI http(String path) {
    return URI.create((tls ? "https" : "http") + "://" + authority() + prefix + path);
  }

  /** The WebSocket URI of a proxy's tunnel endpoint. */
  public URI tunnelUri(String proxy) {
    return URI.create(
        (tls ? "wss" : "ws")
            + "://"
            + authority()
            + prefix
            + Protocol.TUNNEL_PATH_PREFIX
            + URLEncoder.encode(proxy, StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return baseUri().toString();
  }
}
