package dev.ferry.tunnel.net;

import io.netty.util.concurrent.DefaultThreadFactory;

/** Named daemon threads, so that a forgotten group never keeps the JVM alive. */
public final class DaemonThreadFactory {
  private DaemonThreadFactory() {}

  public static DefaultThreadFactory named(String prefix) {
    return new DefaultThreadFactory(prefix, true);
  }
}
