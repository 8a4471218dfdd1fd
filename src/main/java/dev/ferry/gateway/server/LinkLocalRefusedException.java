package dev.ferry.gateway.server;

import java.net.InetAddress;

/** A proxy's target resolved to a link-local address and the proxy does not allow that. */
final class LinkLocalRefusedException extends Exception {
  private final InetAddress address;

  LinkLocalRefusedException(String host, InetAddress address) {
    super(
        "upstream host "
            + host
            + " resolves to link-local address "
            + address.getHostAddress()
            + ", which this proxy does not allow (allowLinkLocal)");
    this.address = address;
  }

  InetAddress address() {
    return address;
  }
}
