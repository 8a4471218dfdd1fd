package dev.ferry.gateway.config;

import java.net.InetSocketAddress;

/** An upstream host and port, kept as text so nothing is resolved before authorization. */
public record Target(String host, int port) {

  /** An unresolved address: the event loop resolves it only when it connects. */
  public InetSocketAddress unresolved() {
    return InetSocketAddress.createUnresolved(host, port);
  }

  @Override
  public String toString() {
    return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
  }
}
