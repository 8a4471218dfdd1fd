package dev.ferry.client.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which HTTP CONNECT proxy, if any, the client goes through to reach a URL: the one place that
 * decides it for tunnels (Netty) and REST calls (java.net.http) alike.
 *
 * <p>From the environment, following curl: {@code https_proxy} then {@code HTTPS_PROXY} for https
 * and wss URLs; {@code http_proxy} then {@code HTTP_PROXY} for http and ws URLs (curl reads only
 * the lower-case {@code http_proxy}; Ferry, which runs no CGI, reads both); {@code no_proxy} then
 * {@code NO_PROXY}. Empty values count as unset. A proxy URL is {@code
 * http://[user:pass@]host[:port]} (no scheme means http, the port defaults to 1080 as in curl);
 * credentials are sent as Basic, never logged. {@code NO_PROXY} is a list separated by commas or
 * spaces: {@code *} bypasses every host; a name matches itself and its subdomains (a leading dot is
 * optional); an IP address or CIDR block matches addresses literally (no name is looked up); ports
 * are ignored. Unlike curl, loopback hosts ({@code localhost}, {@code *.localhost}, 127.0.0.0/8,
 * ::1) are never proxied: a proxy cannot reach this machine's loopback anyway.
 *
 * <p>Without any proxy variable, {@link #withSystemFallback} (the desktop app) asks the OS proxy
 * settings through {@link ProxySelector} with {@code java.net.useSystemProxies=true}.
 */
public final class ProxySettings {
  static final int DEFAULT_PROXY_PORT = 1080;

  /** An HTTP proxy and where it was configured. {@link #toString()} never shows the password. */
  public record HttpProxy(String host, int port, String user, String password, String source) {
    /** {@code proxy 127.0.0.1:3128 (HTTPS_PROXY)} */
    public String describe() {
      return "proxy " + address() + " (" + source + ")";
    }

    /** {@code host:port}, IPv6 in brackets. */
    public String address() {
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    public boolean hasCredentials() {
      return user != null;
    }

    @Override
    public String toString() {
      return describe() + (user == null ? "" : " as " + user);
    }
  }

  /**
   * How a URL is reached.
   *
   * @param proxy the proxy, or null for a direct connection
   * @param why in words: "HTTPS_PROXY", "NO_PROXY entry .corp.example matches", "loopback address"…
   */
  public record Route(HttpProxy proxy, String why) {
    public boolean direct() {
      return proxy == null;
    }
  }

  private final HttpProxy https;
  private final HttpProxy http;
  private final List<String> noProxy;
  private final String noProxySource;
  private final ProxySelector system;

  private ProxySettings(
      HttpProxy https,
      HttpProxy http,
      List<String> noProxy,
      String noProxySource,
      ProxySelector system) {
    this.https = https;
    this.http = http;
    this.noProxy = List.copyOf(noProxy);
    this.noProxySource = noProxySource;
    this.system = system;
    if ((https != null && https.hasCredentials()) || (http != null && http.hasCredentials())) {
      allowBasicForTunnels();
    }
  }

  /** Direct connections only. */
  public static ProxySettings none() {
    return new ProxySettings(null, null, List.of(), null, null);
  }

  /**
   * From this process's environment.
   *
   * @throws IllegalArgumentException naming the variable when a proxy URL is unusable
   */
  public static ProxySettings fromEnvironment() {
    return fromEnvironment(System.getenv());
  }

  /**
   * From {@code env} (the names above).
   *
   * @throws IllegalArgumentException naming the variable when a proxy URL is unusable
   */
  public static ProxySettings fromEnvironment(Map<String, String> env) {
    return of(env, null);
  }

  /**
   * From the environment when any proxy variable is set, else from the OS proxy settings (sets
   * {@code java.net.useSystemProxies=true} unless already set: call this before anything else asks
   * {@link ProxySelector#getDefault()}).
   */
  public static ProxySettings withSystemFallback(Map<String, String> env) {
    boolean anySet =
        first(env, "https_proxy", "HTTPS_PROXY") != null
            || first(env, "http_proxy", "HTTP_PROXY") != null;
    if (anySet) {
      return fromEnvironment(env);
    }
    if (System.getProperty("java.net.useSystemProxies") == null) {
      System.setProperty("java.net.useSystemProxies", "true");
    }
    return of(env, ProxySelector.getDefault());
  }

  /** From {@code env}, asking {@code systemOrNull} when no proxy variable is set. */
  static ProxySettings of(Map<String, String> env, ProxySelector systemOrNull) {
    String[] httpsVar = firstNamed(env, "https_proxy", "HTTPS_PROXY");
    String[] httpVar = firstNamed(env, "http_proxy", "HTTP_PROXY");
    String[] noVar = firstNamed(env, "no_proxy", "NO_PROXY");
    HttpProxy https = httpsVar == null ? null : parse(httpsVar[0], httpsVar[1]);
    HttpProxy http = httpVar == null ? null : parse(httpVar[0], httpVar[1]);
    List<String> no = new ArrayList<>();
    if (noVar != null) {
      for (String entry : noVar[1].split("[,\\s]+")) {
        String e = normalizeEntry(entry);
        if (!e.isEmpty()) {
          no.add(e);
        }
      }
    }
    boolean useSystem = https == null && http == null;
    return new ProxySettings(
        https, http, no, noVar == null ? null : noVar[0], useSystem ? systemOrNull : null);
  }

  private static String first(Map<String, String> env, String... names) {
    String[] named = firstNamed(env, names);
    return named == null ? null : named[1];
  }

  private static String[] firstNamed(Map<String, String> env, String... names) {
    for (String n : names) {
      String v = env.get(n);
      if (v != null && !v.isBlank()) {
        return new String[] {n, v.trim()};
      }
    }
    return null;
  }

  /** Parses {@code [http://][user[:pass]@]host[:port][/]} from variable {@code name}. */
  static HttpProxy parse(String name, String value) {
    String url = value.contains("://") ? value : "http://" + value;
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(name + " is not a proxy URL: " + e.getReason());
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http")) {
      throw new IllegalArgumentException(
          name
              + " uses "
              + scheme
              + "://, but only http:// proxies (HTTP CONNECT) are supported; e.g."
              + " http://proxy.example:3128");
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException(name + " names no proxy host");
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    String user = null;
    String password = null;
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
      password = colon < 0 ? "" : decode(userInfo.substring(colon + 1));
    }
    int port = uri.getPort() > 0 ? uri.getPort() : DEFAULT_PROXY_PORT;
    return new HttpProxy(host, port, user, password, name);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** Lower case, without a leading dot, a port or IPv6 brackets; "" for nothing. */
  private static String normalizeEntry(String raw) {
    String e = raw.trim().toLowerCase(Locale.ROOT);
    if (e.startsWith("[")) {
      int close = e.indexOf(']');
      return close < 0 ? e.substring(1) : e.substring(1, close);
    }
    if (e.chars().filter(c -> c == ':').count() == 1) {
      e = e.substring(0, e.indexOf(':')); // host:port; IPv6 has more than one colon
    }
    while (e.startsWith(".")) {
      e = e.substring(1);
    }
    while (e.endsWith(".")) {
      e = e.substring(0, e.length() - 1);
    }
    return e;
  }

  /** How {@code target} (http, https, ws or wss) is reached. */
  public Route route(URI target) {
    String host = target.getHost();
    if (host == null) {
      return new Route(null, "no host");
    }
    host = host.toLowerCase(Locale.ROOT);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    while (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    if (isLoopback(host)) {
      return new Route(null, "loopback address, never proxied");
    }
    String bypass = noProxyMatch(host);
    if (bypass != null) {
      return new Route(null, noProxySource + " entry " + bypass + " matches");
    }
    String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
    boolean secure = scheme.equals("https") || scheme.equals("wss");
    HttpProxy p = secure ? https : http;
    if (p != null) {
      return new Route(p, p.source());
    }
    if (system != null) {
      return systemRoute(target, secure);
    }
    return new Route(
        null, secure ? "no HTTPS_PROXY / https_proxy set" : "no HTTP_PROXY / http_proxy set");
  }

  private Route systemRoute(URI target, boolean secure) {
    URI ask = URI.create((secure ? "https" : "http") + "://" + target.getRawAuthority() + "/");
    List<Proxy> choices;
    try {
      choices = system.select(ask);
    } catch (RuntimeException e) {
      return new Route(null, "OS proxy settings unreadable: " + e.getMessage());
    }
    for (Proxy p : choices == null ? List.<Proxy>of() : choices) {
      if (p.type() == Proxy.Type.HTTP && p.address() instanceof InetSocketAddress a) {
        HttpProxy hp = new HttpProxy(a.getHostString(), a.getPort(), null, null, "OS settings");
        return new Route(hp, "OS proxy settings");
      }
      if (p.type() == Proxy.Type.DIRECT) {
        return new Route(null, "OS proxy settings: direct");
      }
    }
    return new Route(null, "OS proxy settings name no HTTP proxy");
  }

  /** The NO_PROXY entry that covers {@code host}, or null. */
  private String noProxyMatch(String host) {
    boolean hostIsIp = isIpLiteral(host);
    for (String e : noProxy) {
      if (e.equals("*")) {
        return "*";
      }
      if (e.contains("/")) {
        if (hostIsIp && inCidr(host, e)) {
          return e;
        }
      } else if (host.equals(e) || (!hostIsIp && host.endsWith("." + e))) {
        return e;
      }
    }
    return null;
  }

  private static boolean isLoopback(String host) {
    if (host.equals("localhost") || host.endsWith(".localhost")) {
      return true;
    }
    return isIpLiteral(host) && literal(host).isLoopbackAddress();
  }

  static boolean isIpLiteral(String host) {
    return host.matches("[0-9.]+") && host.chars().filter(c -> c == '.').count() == 3
        || host.contains(":") && host.matches("[0-9a-f:.%]+");
  }

  /** An address from a literal; never a DNS lookup (callers checked {@link #isIpLiteral}). */
  private static InetAddress literal(String ip) {
    try {
      return InetAddress.getByName(ip);
    } catch (IOException e) {
      throw new IllegalArgumentException("not an IP address: " + ip, e);
    }
  }

  private static boolean inCidr(String host, String cidr) {
    int slash = cidr.indexOf('/');
    String net = cidr.substring(0, slash);
    if (!isIpLiteral(net)) {
      return false;
    }
    int bits;
    try {
      bits = Integer.parseInt(cidr.substring(slash + 1));
    } catch (NumberFormatException e) {
      return false;
    }
    byte[] a = literal(host).getAddress();
    byte[] b = literal(net).getAddress();
    if (a.length != b.length || bits < 0 || bits > a.length * 8) {
      return false;
    }
    for (int i = 0; i < bits; i++) {
      int mask = 0x80 >> (i % 8);
      if ((a[i / 8] & mask) != (b[i / 8] & mask)) {
        return false;
      }
    }
    return true;
  }

  /** For java.net.http: the same decision as {@link #route}, as a {@link ProxySelector}. */
  public ProxySelector selector() {
    return new ProxySelector() {
      @Override
      public List<Proxy> select(URI uri) {
        HttpProxy p = route(uri).proxy();
        if (p == null) {
          return List.of(Proxy.NO_PROXY);
        }
        return List.of(new Proxy(Proxy.Type.HTTP, new InetSocketAddress(p.host(), p.port())));
      }

      @Override
      public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}
    };
  }

  /**
   * A client built from {@code b} that routes its requests as {@link #route} says and sends the
   * proxy's credentials, if any, with each request bound for it (never to anyone else).
   */
  public HttpClient client(HttpClient.Builder b) {
    HttpClient plain = b.proxy(selector()).build();
    boolean credentials =
        (https != null && https.hasCredentials()) || (http != null && http.hasCredentials());
    return credentials ? new ProxiedHttpClient(plain, this) : plain;
  }

  /**
   * The {@code Proxy-Authorization} value for a request to {@code target}, or null when it goes
   * direct or the proxy has no credentials. Sent up front, it spares the 407 round trip (after
   * which the JDK 17 client was seen to drop the request's own Authorization header); java.net.http
   * sends Proxy-* headers only to the proxy, never through the tunnel to the gateway.
   */
  public String proxyAuthorization(URI target) {
    HttpProxy p = route(target).proxy();
    if (p == null || !p.hasCredentials()) {
      return null;
    }
    return "Basic "
        + java.util.Base64.getEncoder()
            .encodeToString((p.user() + ":" + p.password()).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The JDK refuses Basic for HTTPS tunnels unless {@code jdk.http.auth.tunneling.disabledSchemes}
   * says otherwise; the user asked for it by putting credentials in the proxy URL (curl sends them
   * the same way). Read once by the JDK, so set early; a value the user set is kept.
   */
  private static void allowBasicForTunnels() {
    if (System.getProperty("jdk.http.auth.tunneling.disabledSchemes") == null) {
      System.setProperty("jdk.http.auth.tunneling.disabledSchemes", "");
    }
  }

  @Override
  public String toString() {
    return "ProxySettings[https="
        + https
        + ", http="
        + http
        + ", noProxy="
        + noProxy
        + (system != null ? ", OS settings" : "")
        + "]";
  }
}
