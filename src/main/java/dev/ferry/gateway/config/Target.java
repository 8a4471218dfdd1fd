package dev.ferry.gateway.config;

import java.net.InetSocketAddress;
import java.util.regex.Pattern;

/**
 * An upstream host and port, kept as text so nothing is resolved before authorization. An IPv6 host
 * is stored without its brackets.
 */
public record Target(String host, int port) {
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._-]+");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[\\w.-]+)?");
  private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

  /**
   * Parses {@code host:port} or {@code [ipv6]:port}. Only the form is checked; the host is not
   * resolved.
   *
   * @throws IllegalArgumentException with a message that starts with the quoted text, so callers
   *     can prefix what they were parsing (e.g. {@code proxies[0].target 'db' must be host:port})
   */
  public static Target parse(String text) {
    if (text.chars().anyMatch(Character::isWhitespace)) {
      throw invalid(text, "must not contain spaces");
    }
    if (text.contains("://")) {
      throw invalid(text, "must be host:port without a scheme");
    }
    if (text.contains("/")) {
      throw invalid(text, "must be host:port without a path");
    }
    String host;
    String port;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
        throw invalid(text, "must be host:port or [ipv6]:port");
      }
      host = text.substring(1, close);
      port = text.substring(close + 2);
      checkNotEmpty(text, host);
      if (!IPV6.matcher(host).matches()) {
        throw invalid(text, "has an invalid IPv6 address");
      }
    } else {
      int colon = text.lastIndexOf(':');
      if (colon < 0) {
        throw invalid(text, "must be host:port or [ipv6]:port");
      }
      host = text.substring(0, colon);
      port = text.substring(colon + 1);
      if (host.contains(":")) {
        throw invalid(text, "must put an IPv6 address in brackets, e.g. [::1]:5432");
      }
      checkNotEmpty(text, host);
      if (!HOST.matcher(host).matches()) {
        throw invalid(text, "has an invalid host");
      }
    }
    return new Target(host, parsePort(text, port));
  }

  private static void checkNotEmpty(String text, String host) {
    if (host.isEmpty()) {
      throw invalid(text, "has an empty host");
    }
  }

  private static int parsePort(String text, String port) {
    int value = PORT.matcher(port).matches() ? Integer.parseInt(port) : 0;
    if (value < 1 || value > 65535) {
      throw invalid(text, "must have a port between 1 and 65535");
    }
    return value;
  }

  private static IllegalArgumentException invalid(String text, String problem) {
    return new IllegalArgumentException("'" + text + "' " + problem);
  }

  /** An unresolved address: the event loop resolves it only when it connects. */
  public InetSocketAddress unresolved() {
    return InetSocketAddress.createUnresolved(host, port);
  }

  @Override
  public String toString() {
    return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
  }
}
