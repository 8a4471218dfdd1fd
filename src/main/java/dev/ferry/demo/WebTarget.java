package dev.ferry.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * demo-web: one HTML page on 127.0.0.1 saying who is looking and which tunnel carried them.
 *
 * <p>Ferry carries raw TCP, so the page cannot learn the user from the connection: it sees the
 * gateway's side of it (127.0.0.1 and an ephemeral port). What it can show honestly comes from the
 * gateway's audit log, which the demo feeds to it ({@link SessionFeed}): the tunnels open to
 * demo-web right now. When they all belong to one user, that user is the visitor.
 */
final class WebTarget implements AutoCloseable {
  static final String PROXY = "demo-web";
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

  private final HttpServer server;
  private final ExecutorService pool;
  private final SessionFeed feed;
  private final Clock clock;

  private WebTarget(HttpServer server, ExecutorService pool, SessionFeed feed, Clock clock) {
    this.server = server;
    this.pool = pool;
    this.feed = feed;
    this.clock = clock;
  }

  static WebTarget start(SessionFeed feed, Clock clock) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    AtomicInteger n = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "demo-web-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    WebTarget web = new WebTarget(server, pool, feed, clock);
    server.createContext("/", web::handle);
    server.setExecutor(pool);
    server.start();
    return web;
  }

  int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] body = page(ex.getRemoteAddress()).getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
      ex.getResponseHeaders().set("Cache-Control", "no-store");
      if ("HEAD".equals(ex.getRequestMethod())) {
        ex.sendResponseHeaders(200, -1);
        return;
      }
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  String page(InetSocketAddress from) {
    List<SessionFeed.OpenSession> open = feed.open(PROXY);
    List<String> users = open.stream().map(SessionFeed.OpenSession::user).distinct().toList();
    String who =
        users.size() == 1
            ? "Hello, <b>" + html(users.get(0)) + "</b>."
            : users.isEmpty()
                ? "Hello, stranger: no Ferry tunnel to demo-web is open, so this request did not"
                    + " come through the gateway."
                : "Hello! You are one of: <b>" + html(String.join(", ", users)) + "</b>.";
    StringBuilder rows = new StringBuilder();
    for (SessionFeed.OpenSession s : open) {
      rows.append("<tr><td>")
          .append(html(s.user()))
          .append("</td><td><code>")
          .append(html(s.id()))
          .append("</code></td><td>")
          .append(html(s.clientIp()))
          .append("</td><td>")
          .append(TIME.format(s.since()))
          .append("</td></tr>\n");
    }
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<title>demo-web</title><style>body{font-family:system-ui,sans-serif;max-width:44rem;"
        + "margin:3rem auto;padding:0 1rem}td,th{padding:.3rem .8rem;text-align:left}"
        + "p.note{color:#59636e}</style></head><body>\n"
        + "<h1>demo-web</h1>\n<p>"
        + who
        + "</p>\n<p>This request reached demo-web at "
        + TIME.format(clock.instant())
        + " on a TCP connection from <code>"
        + html(from.getAddress().getHostAddress())
        + ":"
        + from.getPort()
        + "</code>: the gateway's end of the tunnel that carried you.</p>\n"
        + "<h2>Tunnels open to demo-web now</h2>\n"
        + "<table><tr><th>user</th><th>session</th><th>client</th><th>since</th></tr>\n"
        + rows
        + "</table>\n"
        + "<p class=\"note\">Ferry carries raw TCP: a target never learns who you are from the"
        + " connection itself, only the gateway does. This page reads the gateway's audit log"
        + " (its <code>session.start</code> and <code>session.end</code> records) to tell"
        + " you.</p>\n</body></html>\n";
  }

  private static String html(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
    try {
      pool.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
