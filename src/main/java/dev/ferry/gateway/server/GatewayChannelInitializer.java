package dev.ferry.gateway.server;

import dev.ferry.tunnel.ws.SlicingFrameDecoder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;

/**
 * The gateway's pipeline: [TLS] → HTTP → small aggregator (GET-only routes) → routes → tunnel
 * handshake. The handshake replaces the HTTP handlers with WebSocket ones and then the relay.
 */
public final class GatewayChannelInitializer extends ChannelInitializer<Channel> {
  /** Request line and headers: room for a large JWT, not for abuse. */
  static final int MAX_INITIAL_LINE = 4096;

  static final int MAX_HEADER_SIZE = 16 * 1024;
  static final int MAX_BODY = 8 * 1024;

  private final SslContext ssl;
  private final HttpRouteHandler routes;
  private final TunnelHandshakeHandler tunnels;
  private final GatewayContext gw;
  private final PendingHandshakes pending;

  public GatewayChannelInitializer(GatewayContext gw, SslContext sslOrNull) {
    this.ssl = sslOrNull;
    this.routes = new HttpRouteHandler(gw);
    this.tunnels = new TunnelHandshakeHandler(gw);
    this.gw = gw;
    this.pending = new PendingHandshakes(gw.registry());
  }

  @Override
  protected void initChannel(Channel ch) {
    // Before the first read: Netty keeps the allocator it read with. Sized for WebSocket frames.
    ch.config().setRecvByteBufAllocator(SlicingFrameDecoder.recvAllocator());
    ChannelPipeline p = ch.pipeline();
    if (ssl != null) {
      // Becomes the SslHandler ("tls") on a TLS ClientHello; answers plain HTTP with a 400.
      p.addLast("tls", new TlsDetectHandler(ssl));
    }
    p.addLast("http", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, 8192));
    // Pre-authentication limits (deadline, pending cap, oversized heads); removed on upgrade.
    p.addLast("guard", new HandshakeGuard(pending, () -> gw.config().gateway()));
    p.addLast("aggregator", new HttpObjectAggregator(MAX_BODY));
    p.addLast("routes", routes);
    p.addLast("tunnel", tunnels);
  }
}
