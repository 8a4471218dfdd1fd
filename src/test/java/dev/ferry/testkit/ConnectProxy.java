package dev.ferry.testkit;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A small HTTP proxy on 127.0.0.1 for tests: {@code CONNECT host:port} (then raw bytes both ways)
 * and absolute-form requests ({@code GET http://host:port/path}, one per connection), as corporate
 * proxies do. It records every request so a test can prove traffic went through it, may demand
 * Basic credentials (407), may map names to addresses only it can resolve (so a client that
 * bypasses it fails), and may cut relayed connections that stay idle.
 *
 * <pre>
 * try (ConnectProxy proxy = ConnectProxy.start(ConnectProxy.options().host("gw.invalid", "127.0.0.1"))) {
 *   env HTTPS_PROXY=proxy.url() ... ; proxy.connects()  // ["gw.invalid:443", …]
 * }
 * </pre>
 */
public final class ConnectProxy implements AutoCloseable {
  /** How the proxy behaves; immutable, built fluently. */
  public record Options(Map<String, String> hosts, String user, String password, Duration idleCut) {
    /** Connects to {@code address} when a client asks for {@code name}. */
    public Options host(String name, String address) {
      Map<String, String> h = new ConcurrentHashMap<>(hosts);
      h.put(name, address);
      return new Options(Map.copyOf(h), user, password, idleCut);
    }

    /** Answers 407 unless the request carries these Basic credentials. */
    public Options credentials(String user, String password) {
      return new Options(hosts, user, password, idleCut);
    }

    /** Closes a relayed connection after {@code idle} without bytes either way. */
    public Options idleCut(Duration idle) {
      return new Options(hosts, user, password, idle);
    }
  }

  public static Options options() {
    return new Options(Map.of(), null, null, null);
  }

  private final Options options;
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final List<String> connects = new CopyOnWriteArrayList<>();
  private final List<String> forwarded = new CopyOnWriteArrayList<>();
  private final List<String> refused = new CopyOnWriteArrayList<>();
  private final List<String> idleCuts = new CopyOnWriteArrayList<>();
  private final Channel server;

  private ConnectProxy(Options options) throws InterruptedException {
    this.options = options;
    server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    channels.add(ch);
                    ch.pipeline()
                        .addLast("http", new HttpServerCodec())
                        .addLast("aggregator", new HttpObjectAggregator(64 * 1024))
                        .addLast("front", new FrontHandler());
                  }
                })
            .bind(new InetSocketAddress("127.0.0.1", 0))
            .sync()
            .channel();
    channels.add(server);
  }

  public static ConnectProxy start(Options options) throws InterruptedException {
    return new ConnectProxy(options);
  }

  public static ConnectProxy start() throws InterruptedException {
    return start(options());
  }

  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** {@code http://127.0.0.1:PORT}, or with credentials {@code http://user:pass@127.0.0.1:PORT}. */
  public String url() {
    return "http://127.0.0.1:" + port();
  }

  public String url(String user, String password) {
    return "http://" + user + ":" + password + "@127.0.0.1:" + port();
  }

  /** The targets of accepted CONNECT requests, in order ({@code host:port}). */
  public List<String> connects() {
    return List.copyOf(connects);
  }

  /** Absolute-form requests forwarded ({@code GET http://host:port/path}). */
  public List<String> forwarded() {
    return List.copyOf(forwarded);
  }

  /** Requests answered 407 for missing or wrong credentials. */
  public List<String> refused() {
    return List.copyOf(refused);
  }

  /** Relayed connections closed for being idle. */
  public List<String> idleCuts() {
    return List.copyOf(idleCuts);
  }

  @Override
  public void close() {
    channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  private InetSocketAddress resolve(String host, int port) {
    String mapped = options.hosts().getOrDefault(host.toLowerCase(java.util.Locale.ROOT), host);
    return new InetSocketAddress(mapped, port);
  }

  private boolean authorized(FullHttpRequest req) {
    if (options.user() == null) {
      return true;
    }
    String expected =
        "Basic "
            + Base64.getEncoder()
                .encodeToString(
                    (options.user() + ":" + options.password()).getBytes(StandardCharsets.UTF_8));
    return expected.equals(req.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION));
  }

  private final class FrontHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      String line = req.method() + " " + req.uri();
      if (!authorized(req)) {
        refused.add(line);
        FullHttpResponse res =
            new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.PROXY_AUTHENTICATION_REQUIRED);
        res.headers().set(HttpHeaderNames.PROXY_AUTHENTICATE, "Basic realm=\"test\"");
        res.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        res.headers().set(HttpHeaderNames.CONNECTION, "close");
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        return;
      }
      if (HttpMethod.CONNECT.equals(req.method())) {
        tunnel(ctx, req.uri());
      } else {
        forward(ctx, req.retain());
      }
    }

    private void tunnel(ChannelHandlerContext ctx, String target) {
      int colon = target.lastIndexOf(':');
      String host = target.substring(0, colon).replace("[", "").replace("]", "");
      int port = Integer.parseInt(target.substring(colon + 1));
      Channel client = ctx.channel();
      client.config().setAutoRead(false);
      new Bootstrap()
          .group(client.eventLoop())
          .channel(NioSocketChannel.class)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
          .handler(new Relay(client))
          .connect(resolve(host, port))
          .addListener(
              (ChannelFutureListener)
                  f -> {
                    if (!f.isSuccess()) {
                      sendAndClose(ctx, HttpResponseStatus.BAD_GATEWAY);
                      return;
                    }
                    connects.add(target);
                    Channel upstream = f.channel();
                    channels.add(upstream);
                    FullHttpResponse ok =
                        new DefaultFullHttpResponse(
                            HttpVersion.HTTP_1_1,
                            new HttpResponseStatus(200, "Connection Established"));
                    ctx.writeAndFlush(ok)
                        .addListener(
                            w -> {
                              ctx.pipeline().remove("aggregator");
                              ctx.pipeline().remove("http");
                              if (options.idleCut() != null) {
                                long ms = options.idleCut().toMillis();
                                ctx.pipeline()
                                    .addBefore(
                                        "front",
                                        "idle",
                                        new IdleStateHandler(0, 0, ms, TimeUnit.MILLISECONDS));
                              }
                              ctx.pipeline().replace(this, "relay", new Relay(upstream));
                              client.config().setAutoRead(true);
                            });
                  });
    }

    private void forward(ChannelHandlerContext ctx, FullHttpRequest req) {
      URI uri = URI.create(req.uri());
      if (uri.getHost() == null) {
        req.release();
        sendAndClose(ctx, HttpResponseStatus.BAD_REQUEST);
        return;
      }
      int port = uri.getPort() > 0 ? uri.getPort() : 80;
      String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
      FullHttpRequest out =
          new DefaultFullHttpRequest(
              HttpVersion.HTTP_1_1, req.method(), path.isEmpty() ? "/" : path, req.content());
      out.headers().set(req.headers());
      out.headers().remove(HttpHeaderNames.PROXY_AUTHORIZATION);
      out.headers().remove("Proxy-Connection");
      out.headers().set(HttpHeaderNames.CONNECTION, "close");
      new Bootstrap()
          .group(ctx.channel().eventLoop())
          .channel(NioSocketChannel.class)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
          .handler(
              new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                  ch.pipeline()
                      .addLast(new HttpClientCodec())
                      .addLast(new HttpObjectAggregator(1 << 20))
                      .addLast(
                          new SimpleChannelInboundHandler<FullHttpResponse>() {
                            @Override
                            protected void channelRead0(
                                ChannelHandlerContext up, FullHttpResponse res) {
                              FullHttpResponse copy = res.retainedDuplicate();
                              copy.headers().set(HttpHeaderNames.CONNECTION, "close");
                              ctx.writeAndFlush(copy).addListener(ChannelFutureListener.CLOSE);
                              up.close();
                            }
                          });
                }
              })
          .connect(resolve(uri.getHost(), port))
          .addListener(
              (ChannelFutureListener)
                  f -> {
                    if (!f.isSuccess()) {
                      out.release();
                      sendAndClose(ctx, HttpResponseStatus.BAD_GATEWAY);
                      return;
                    }
                    forwarded.add(req.method() + " " + req.uri());
                    channels.add(f.channel());
                    f.channel().writeAndFlush(out);
                  });
    }
  }

  private static void sendAndClose(ChannelHandlerContext ctx, HttpResponseStatus status) {
    FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status);
    res.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
    ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
  }

  /** Copies bytes to the other side; closes both when either ends or stays idle too long. */
  private final class Relay extends ChannelInboundHandlerAdapter {
    private final Channel other;

    Relay(Channel other) {
      this.other = other;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      other.writeAndFlush(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent) {
        idleCuts.add(String.valueOf(ctx.channel().remoteAddress()));
        ctx.close();
        other.close();
      } else {
        ctx.fireUserEventTriggered(evt);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
      other.close();
    }
  }
}
