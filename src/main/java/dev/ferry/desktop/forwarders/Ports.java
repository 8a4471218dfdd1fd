package dev.ferry.desktop.forwarders;

import io.netty.channel.unix.Errors;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Local ports: is a bind failure a clash, and which port is free now. */
public final class Ports {
  private Ports() {}

  /** Whether {@code e} (or a cause) says the address is already in use. */
  public static boolean inUse(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException
          || (t instanceof Errors.NativeIoException
              && String.valueOf(t.getMessage()).toLowerCase().contains("in use"))) {
        return true;
      }
    }
    return false;
  }

  /** A port free on 127.0.0.1 right now (a suggestion: someone may take it before us). */
  public static int free() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      return 0;
    }
  }
}
