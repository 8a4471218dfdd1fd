package dev.ferry.gateway.server;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.tunnel.Tunnel;
import dev.ferry.client.tunnel.TunnelRefusedException;
import dev.ferry.gateway.config.Limits;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.TcpTarget;
import dev.ferry.testkit.TunnelObserver;
import dev.ferry.testkit.TunnelRefusals;
import dev.ferry.tunnel.Frame;
import dev.ferry.tunnel.FrameCodec;
import dev.ferry.tunnel.NoticeCode;
import dev.ferry.tunnel.TunnelError;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Limits, timers and draining, observed through raw tunnels (no local TCP side). */
@Timeout(60)
class SessionLifecycleTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();

  /** A gateway with one proxy to a fresh target that behaves as {@code target}. */
  static GatewayFixture.Running gateway(String proxy, TcpTarget.Behavior target, Limits limits)
      throws Exception {
    return fx.gateway().proxy(proxy, fx.target(target), limits).start();
  }

  static Limits limits(int max, int perUser, Duration idle, Duration maxDuration) {
    return new Limits(max, perUser, idle, maxDuration, Duration.ofSeconds(5), false);
  }

  @Test
  @DisplayName(
      "50 parallel opens against maxSessions 3: exactly 3 open, 47 get 429; slots come back")
  void parallelLimit() throws Exception {
    GatewayFixture.Running gw =
        gateway(
            "capped", TcpTarget.hold(), limits(3, 0, Duration.ofMinutes(5), Duration.ofHours(1)));
    String token = fx.token(ALICE);
    List<CompletableFuture<Tunnel>> opens = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      opens.add(gw.connector().open("capped", token));
    }
    List<Tunnel> open = new ArrayList<>();
    int limited = 0;
    for (CompletableFuture<Tunnel> f : opens) {
      try {
        open.add(f.get(30, TimeUnit.SECONDS));
      } catch (ExecutionException e) {
        assertThat(((TunnelRefusedException) e.getCause()).error())
            .isEqualTo(TunnelError.LIMIT_REACHED);
        limited++;
      }
    }
    assertThat(open).hasSize(3);
    assertThat(limited).isEqualTo(47);
    assertThat(gw.metrics())
        .contains("ferry_sessions_total{proxy=\"capped\",result=\"limit-reached\"} 47.0");
    assertThat(gw.metrics()).contains("ferry_sessions_active{proxy=\"capped\"} 3.0");
    open.forEach(Tunnel::close);
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.audit("session.end").size() == 3);
    List<Tunnel> again = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      again.add(gw.open("capped", token));
    }
    assertThat(gw.audit("session.start")).hasSize(6);
    again.forEach(Tunnel::close);
  }

  @Test
  @DisplayName("idle timeout: 4408 with audit reason idle-timeout; pings do not count")
  void idle() throws Exception {
    GatewayFixture.Running gw =
        gateway(
            "idle", TcpTarget.hold(), limits(0, 0, Duration.ofMillis(300), Duration.ofHours(1)));
    gw.connector().keepaliveInterval(Duration.ofMillis(50));
    Tunnel t = gw.open("idle", fx.token(ALICE));
    long start = System.nanoTime();
    TunnelObserver o = TunnelObserver.attach(t);
    assertThat(o.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(4408);
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(250));
    assertThat(o.sawNotice(NoticeCode.CLOSING)).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> gw.audit("session.end").size() == 1);
    assertThat(gw.audit("session.end").get(0).path("reason").asText()).isEqualTo("idle-timeout");
    assertThat(gw.metrics())
        .contains("ferry_sessions_total{proxy=\"idle\",result=\"idle-timeout\"} 1.0");
  }

  @Test
  @DisplayName("steady data keeps a tunnel past its idle timeout")
  void steadyData() throws Exception {
    GatewayFixture.Running gw =
        gateway(
            "idle", TcpTarget.echo(), limits(0, 0, Duration.ofMillis(300), Duration.ofHours(1)));
    Tunnel t = gw.open("idle", fx.token(ALICE));
    TunnelObserver o = TunnelObserver.attach(t);
    long end = System.nanoTime() + Duration.ofMillis(1200).toNanos();
    int sent = 0;
    while (System.nanoTime() < end) {
      t.channel()
          .writeAndFlush(
              new BinaryWebSocketFrame(
                  FrameCodec.data(t.channel().alloc(), Unpooled.wrappedBuffer(new byte[] {1}))))
          .sync();
      sent++;
      int want = sent;
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> o.frames.stream().filter(f -> f instanceof Frame.Data).count() >= want);
    }
    assertThat(o.closeCode).isNotDone();
    t.close();
  }

  @Test
  @DisplayName("maxDuration ends a busy tunnel with 4409")
  void maxDuration() throws Exception {
    GatewayFixture.Running gw =
        gateway(
            "short", TcpTarget.hold(), limits(0, 0, Duration.ofMinutes(5), Duration.ofMillis(400)));
    Tunnel t = gw.open("short", fx.token(ALICE));
    TunnelObserver o = TunnelObserver.attach(t);
    assertThat(o.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(4409);
    await().atMost(Duration.ofSeconds(5)).until(() -> gw.audit("session.end").size() == 1);
    assertThat(gw.audit("session.end").get(0).path("reason").asText()).isEqualTo("max-duration");
  }

  @Test
  @DisplayName(
      "draining: NOTICE, readyz 503, new tunnels 503, then 4503 and session.end within the deadline")
  void draining() throws Exception {
    GatewayFixture.Running gw = gateway("db", TcpTarget.hold(), GatewayFixture.relaxed());
    Tunnel t = gw.open("db", fx.token(ALICE));
    TunnelObserver o = TunnelObserver.attach(t);
    String token = fx.token(ALICE);
    CompletableFuture<Long> stopped =
        CompletableFuture.supplyAsync(
            () -> {
              long s = System.nanoTime();
              try {
                gw.server().stop(Duration.ofSeconds(3));
              } catch (InterruptedException e) {
                throw new RuntimeException(e);
              }
              return System.nanoTime() - s;
            });
    await().atMost(Duration.ofSeconds(2)).until(() -> o.sawNotice(NoticeCode.DRAINING));
    HttpResponse<String> ready =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(gw.url() + "/readyz")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(TunnelRefusals.expect(gw.connector().open("db", token), Duration.ofSeconds(10)))
        .extracting(TunnelRefusedException::error)
        .isEqualTo(TunnelError.DRAINING);
    assertThat(o.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(4503);
    assertThat(Duration.ofNanos(stopped.get(10, TimeUnit.SECONDS)))
        .isLessThan(Duration.ofMillis(3500));
    assertThat(gw.audit("session.end")).hasSize(1);
    assertThat(gw.audit("session.end").get(0).path("reason").asText()).isEqualTo("draining");
  }

  @Test
  @DisplayName("a text message is a protocol error: 4400")
  void textIsProtocolError() throws Exception {
    GatewayFixture.Running gw = gateway("db", TcpTarget.hold(), GatewayFixture.relaxed());
    Tunnel t = gw.open("db", fx.token(ALICE));
    TunnelObserver o = TunnelObserver.attach(t);
    t.channel().writeAndFlush(new io.netty.handler.codec.http.websocketx.TextWebSocketFrame("hi"));
    assertThat(o.closeCode.get(10, TimeUnit.SECONDS)).isEqualTo(4400);
  }

  @Test
  @DisplayName("the client measures the ping round trip")
  void rtt() throws Exception {
    GatewayFixture.Running gw = gateway("db", TcpTarget.hold(), GatewayFixture.relaxed());
    gw.connector().keepaliveInterval(Duration.ofMillis(50));
    Tunnel t = gw.open("db", fx.token(ALICE));
    TunnelObserver.attach(t);
    await().atMost(Duration.ofSeconds(5)).until(() -> t.lastRtt() != null);
    assertThat(t.lastRtt()).isLessThan(Duration.ofSeconds(1));
    t.channel().writeAndFlush(new PingWebSocketFrame());
    t.close();
  }
}
