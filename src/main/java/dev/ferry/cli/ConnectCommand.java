package dev.ferry.cli;

import dev.ferry.client.api.ProxyList;
import dev.ferry.client.forward.Forwarder;
import dev.ferry.client.forward.ForwarderListener;
import dev.ferry.client.tunnel.TunnelConnector;
import dev.ferry.tunnel.TunnelError;
import io.netty.channel.unix.Errors;
import java.io.PrintWriter;
import java.net.BindException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ferry connect PROXY [--port N | --local HOST:PORT]}: a local forwarder on 127.0.0.1, one
 * tunnel per accepted connection, until SIGINT or SIGTERM.
 */
@Command(
    name = "connect",
    mixinStandardHelpOptions = true,
    description = "Forward a local port on 127.0.0.1 to PROXY until Ctrl-C.")
final class ConnectCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ClientOptions client;

  @Parameters(index = "0", paramLabel = "PROXY", description = "proxy name (see ferry list)")
  String proxy;

  @ArgGroup(exclusive = true)
  Listen listen = new Listen();

  @Option(
      names = "--max-connections",
      paramLabel = "N",
      description =
          "at most N local connections at once; more are closed at once with a message (default: no"
              + " limit)")
  int maxConnections;

  static final class Listen {
    @Option(names = "--port", paramLabel = "N", description = "local port; default a free one")
    Integer port;

    @Option(
        names = "--local",
        paramLabel = "HOST:PORT",
        description = "local loopback address and port to listen on")
    String local;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String host = "127.0.0.1";
    int port = listen.port == null ? 0 : listen.port;
    if (listen.local != null) {
      int colon = listen.local.lastIndexOf(':');
      if (colon <= 0) {
        throw new CliFailure(1, "--local must be HOST:PORT, was " + listen.local);
      }
      host = listen.local.substring(0, colon).replace("[", "").replace("]", "");
      port = parsePort(listen.local.substring(colon + 1));
    }
    if (port < 0 || port > 65535) {
      throw new CliFailure(1, "not a port number: " + port);
    }
    if (maxConnections < 0) {
      throw new CliFailure(1, "--max-connections must be 0 (no limit) or more");
    }
    try {
      Forwarder.loopback(host); // a usage error, before any network call
    } catch (IllegalArgumentException e) {
      throw new CliFailure(1, e.getMessage());
    }

    // Fail before listening when the token, the gateway or the proxy is wrong (DESIGN §2).
    ProxyList reachable = ListCommand.fetch(client);
    if (reachable.proxies().stream().noneMatch(p -> p.name().equals(proxy))) {
      throw new CliFailure(
          TunnelError.PROXY_NOT_FOUND,
          "proxy '" + proxy + "' is unknown or you are not allowed to reach it (see ferry list)");
    }

    CountDownLatch stop = new CountDownLatch(1);
    try (TunnelConnector connector = client.connector()) {
      Forwarder forwarder;
      try {
        forwarder =
            new Forwarder(
                connector, proxy, client.tokens(), host, port, maxConnections, listener(err));
      } catch (IllegalArgumentException e) {
        throw new CliFailure(1, e.getMessage());
      }
      try (forwarder) {
        int bound;
        try {
          bound = forwarder.start();
        } catch (Exception e) {
          throw new CliFailure(1, bindFailure(host, port, e));
        }
        Signals.onTermination(stop::countDown);
        out.println("forwarding " + hostForPrint(host) + ":" + bound + " -> " + proxy);
        out.flush();
        stop.await();
      }
    }
    return 0;
  }

  private static ForwarderListener listener(PrintWriter err) {
    return new ForwarderListener() {
      @Override
      public void connectionRefused(int localPort, TunnelError error, String detail) {
        synchronized (err) {
          err.println("ferry: connection from 127.0.0.1:" + localPort + " refused: " + detail);
          err.flush();
        }
      }

      @Override
      public void connectionLimited(int localPort, String message) {
        synchronized (err) {
          err.println("ferry: connection from 127.0.0.1:" + localPort + " closed: " + message);
          err.flush();
        }
      }

      @Override
      public void connectionInterrupted(int localPort, String why) {
        synchronized (err) {
          err.println(
              "ferry: connection from 127.0.0.1:"
                  + localPort
                  + " interrupted: gateway connection lost ("
                  + why
                  + "); resuming");
          err.flush();
        }
      }

      @Override
      public void connectionResumed(int localPort, Duration outage, int attempts) {
        synchronized (err) {
          err.println(
              "ferry: connection from 127.0.0.1:" + localPort + " " + resumed(outage, attempts));
          err.flush();
        }
      }

      @Override
      public void resumeFailed(int localPort, String detail) {
        synchronized (err) {
          err.println("ferry: connection from 127.0.0.1:" + localPort + " closed: " + detail);
          err.flush();
        }
      }

      @Override
      public void connectionClosed(
          int localPort, Instant openedAt, long bytesUp, long bytesDown, String reason) {
        // Normal ends stay quiet; the rest (gateway lost, upstream reset, access revoked) say why.
        if (!reason.equals("completed") && !reason.startsWith("client-closed")) {
          synchronized (err) {
            err.println("ferry: connection from 127.0.0.1:" + localPort + " ended: " + reason);
            err.flush();
          }
        }
      }

      @Override
      public void notice(String message) {
        synchronized (err) {
          err.println("ferry: gateway says: " + message);
          err.flush();
        }
      }

      @Override
      public void warning(String message) {
        synchronized (err) {
          err.println("ferry: " + message);
          err.flush();
        }
      }
    };
  }

  /** "resumed after 1.2s (3 attempts)". */
  static String resumed(Duration outage, int attempts) {
    return String.format(
        Locale.ROOT,
        "resumed after %.1fs (%d attempt%s)",
        outage.toMillis() / 1000.0,
        attempts,
        attempts == 1 ? "" : "s");
  }

  private static String bindFailure(String host, int port, Exception e) {
    boolean inUse =
        e instanceof BindException
            || (e instanceof Errors.NativeIoException
                && String.valueOf(e.getMessage()).contains("in use"));
    String where = hostForPrint(host) + ":" + port;
    return inUse
        ? "cannot listen on "
            + where
            + ": address already in use (pick another --port, or 0 for a free one)"
        : "cannot listen on " + where + ": " + e.getMessage();
  }

  private static String hostForPrint(String host) {
    return host.contains(":") ? "[" + host + "]" : host;
  }

  private static int parsePort(String s) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new CliFailure(1, "not a port number: " + s);
    }
  }
}
