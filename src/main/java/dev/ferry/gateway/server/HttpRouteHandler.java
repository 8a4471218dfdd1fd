package dev.ferry.gateway.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.gateway.auth.VerifiedIdentity;
import dev.ferry.gateway.config.IssuerSettings;
import dev.ferry.gateway.config.Limits;
import dev.ferry.gateway.config.ProxyConfig;
import dev.ferry.gateway.policy.ProxyPolicy;
import dev.ferry.tunnel.Protocol;
import dev.ferry.tunnel.TunnelError;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * Routes plain HTTP requests (DESIGN §4) and hands tunnel requests on to the next handler. Only GET
 * routes exist, so requests arrive aggregated and small.
 */
@Sharable
public final class HttpRouteHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(HttpRouteHandler.class);
  private static final Set<String> ROUTES =
      Set.of("/healthz", "/readyz", "/v1/info", "/v1/proxies", "/metrics", ProbeUpgrade.PATH);

  private final GatewayContext gw;
  private final ProbeUpgrade probes;

  public HttpRouteHandler(GatewayContext gw) {
    super(false);
    this.gw = gw;
    this.probes = new ProbeUpgrade(gw);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    if (req.decoderResult().isFailure()) {
      req.release();
      HttpResponses.sendAndClose(
          ctx, HttpResponses.problem(TunnelError.BAD_REQUEST, "malformed HTTP request"));
      return;
    }
    String path = new QueryStringDecoder(req.uri()).path();
    boolean isTunnel = path.startsWith(Protocol.TUNNEL_PATH_PREFIX);
    if (!isTunnel && !ROUTES.contains(path)) {
      reply(ctx, req, HttpResponses.problem(TunnelError.PROXY_NOT_FOUND, "no such resource"));
      return;
    }
    if (!HttpMethod.GET.equals(req.method())) {
      FullHttpResponse res =
          HttpResponses.problem(405, "about:blank", req.method() + " is not allowed on " + path);
      res.headers().set(HttpHeaderNames.ALLOW, "GET");
      reply(ctx, req, res);
      return;
    }
    if (isTunnel) {
      ctx.fireChannelRead(req);
      return;
    }
    switch (path) {
      case "/healthz" -> reply(ctx, req, text(HttpResponseStatus.OK, "ok\n"));
      case "/readyz" ->
          reply(
              ctx,
              req,
              gw.draining()
                  ? text(HttpResponseStatus.SERVICE_UNAVAILABLE, "draining\n")
                  : text(HttpResponseStatus.OK, "ready\n"));
      case "/metrics" ->
          reply(
              ctx,
              req,
              HttpResponses.text(
                  HttpResponseStatus.OK,
                  "text/plain; version=0.0.4; charset=utf-8",
                  gw.registry().scrape()));
      case "/v1/info" -> reply(ctx, req, HttpResponses.json(HttpResponseStatus.OK, info()));
      case "/v1/proxies" -> proxies(ctx, req);
      case ProbeUpgrade.PATH -> probes.handle(ctx, req);
      default ->
          reply(ctx, req, HttpResponses.problem(TunnelError.PROXY_NOT_FOUND, "no such resource"));
    }
  }

  private static FullHttpResponse text(HttpResponseStatus status, String body) {
    return HttpResponses.text(status, "text/plain; charset=utf-8", body);
  }

  private static void reply(ChannelHandlerContext ctx, FullHttpRequest req, FullHttpResponse res) {
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    req.release();
    HttpResponses.send(ctx, keepAlive, res);
  }

  private ObjectNode info() {
    ObjectNode node = HttpResponses.JSON.createObjectNode();
    node.put("name", gw.config().gateway().name());
    node.put("version", gw.version());
    node.put("protocol", Protocol.SUBPROTOCOL);
    ArrayNode issuers = node.putArray("issuers");
    for (IssuerSettings i : gw.config().issuers()) {
      ObjectNode n = issuers.addObject();
      n.put("issuer", i.issuer());
      n.put("clientId", i.clientId());
      ArrayNode scopes = n.putArray("scopes");
      i.scopes().forEach(scopes::add);
    }
    return node;
  }

  private void proxies(ChannelHandlerContext ctx, FullHttpRequest req) {
    String authorization = req.headers().get(HttpHeaderNames.AUTHORIZATION);
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    req.release();
    // No further requests are read while the token is checked, so answers keep their order.
    ctx.channel().config().setAutoRead(false);
    CompletableFuture<VerifiedIdentity> verified;
    try {
      verified = gw.verifier().verify(authorization);
    } catch (RuntimeException e) {
      verified = CompletableFuture.failedFuture(e);
    }
    verified.whenComplete(
        (identity, error) ->
            ctx.executor()
                .execute(
                    () -> {
                      ctx.channel().config().setAutoRead(true);
                      if (identity != null) {
                        HttpResponses.send(
                            ctx,
                            keepAlive,
                            HttpResponses.json(HttpResponseStatus.OK, proxiesOf(identity)));
                      } else {
                        AuthRefusal r = AuthRefusal.of(gw, error);
                        HttpResponses.send(
                            ctx, keepAlive, HttpResponses.problem(r.error(), r.detail()));
                      }
                    }));
  }

  private ObjectNode proxiesOf(VerifiedIdentity id) {
    ObjectNode node = HttpResponses.JSON.createObjectNode();
    node.put("user", id.user());
    ArrayNode groups = node.putArray("groups");
    new TreeSet<>(id.groups()).forEach(groups::add);
    ArrayNode list = node.putArray("proxies");
    for (ProxyConfig p : gw.config().proxies()) {
      if (!ProxyPolicy.allows(p, id.user(), id.groups())) {
        continue;
      }
      ObjectNode n = list.addObject();
      n.put("name", p.name());
      n.put("description", p.description());
      n.put("kind", p.kind());
      ArrayNode tags = n.putArray("tags");
      p.tags().forEach(tags::add);
      n.set("limits", limits(p.limits()));
    }
    return node;
  }

  private static ObjectNode limits(Limits l) {
    ObjectNode n = HttpResponses.JSON.createObjectNode();
    n.put("maxSessions", l.maxSessions());
    n.put("maxSessionsPerUser", l.maxSessionsPerUser());
    n.put("idleTimeoutMs", l.idleTimeout().toMillis());
    n.put("maxDurationMs", l.maxDuration().toMillis());
    n.put("connectTimeoutMs", l.connectTimeout().toMillis());
    n.put("endWithToken", l.endWithToken());
    n.put("resumeWindowMs", l.resumeWindow().toMillis());
    return n;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("{}: {}", ctx.channel(), cause.toString());
    ctx.close();
  }
}
