package dev.ferry.client.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import dev.ferry.client.auth.StaticTokenSource;
import dev.ferry.client.auth.TokenException;
import dev.ferry.client.auth.TokenSource;
import dev.ferry.tunnel.Frame;
import dev.ferry.tunnel.FrameCodec;
import dev.ferry.tunnel.NoticeCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** When the client renews, and what it does when no fresh token can be had. */
@Timeout(30)
class TokenRenewerTest {
  final EventLoop loop = new DefaultEventLoop();
  final ExecutorService blocking = Executors.newSingleThreadExecutor();
  final List<String> sent = new CopyOnWriteArrayList<>();
  final List<String> warnings = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    blocking.shutdownNow();
  }

  /** An unsigned JWT: the client only reads exp, the gateway does the verifying. */
  static String jwt(Instant exp) {
    return new PlainJWT(new JWTClaimsSet.Builder().expirationTime(Date.from(exp)).build())
        .serialize();
  }

  TokenRenewer renewer(TokenSource tokens) {
    return new TokenRenewer(
        loop,
        tokens,
        blocking,
        Clock.systemUTC(),
        ByteBufAllocator.DEFAULT,
        this::capture,
        warnings::add,
        "db");
  }

  private void capture(ByteBuf frame) {
    try {
      Frame f = FrameCodec.decode(frame);
      sent.add(((Frame.Token) f).jwt());
    } finally {
      frame.release();
    }
  }

  @Test
  @DisplayName("renews at 80 % of a short token's life, one minute before a long one's exp")
  void renewalPoint() {
    assertThat(TokenRenewer.renewIn(Duration.ofSeconds(60))).isEqualTo(Duration.ofSeconds(48));
    assertThat(TokenRenewer.renewIn(Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(4));
    assertThat(TokenRenewer.renewIn(Duration.ofMinutes(5))).isEqualTo(Duration.ofMinutes(4));
    assertThat(TokenRenewer.renewIn(Duration.ofHours(1)))
        .isEqualTo(Duration.ofHours(1).minusMinutes(1));
    assertThat(TokenRenewer.renewIn(Duration.ofSeconds(-3))).isEqualTo(Duration.ZERO);
  }

  @Test
  @DisplayName("a source that cannot renew: nothing is sent, the user is told once when it ends")
  void staticSourceWarnsOnce() {
    String token = jwt(Instant.now().plusSeconds(2));
    TokenRenewer r = renewer(new StaticTokenSource(token, "FERRY_TOKEN"));
    loop.execute(() -> r.start(Instant.now().plusSeconds(2).getEpochSecond()));
    await().atMost(Duration.ofSeconds(10)).until(() -> !warnings.isEmpty());
    assertThat(warnings.get(0))
        .contains("cannot renew the token for the tunnel to db")
        .contains("FERRY_TOKEN gave no token newer than the current one");
    assertThat(sent).isEmpty();
    loop.execute(r::stop);
  }

  @Test
  @DisplayName("a failing source is retried; the fresh token goes out once it works")
  void retriesUntilTheSourceWorks() {
    Instant exp = Instant.now().plusSeconds(3);
    String fresh = jwt(exp.plusSeconds(60));
    TokenSource flaky =
        new TokenSource() {
          int calls;

          @Override
          public synchronized String token() throws TokenException {
            if (++calls <= 2) {
              throw new TokenException("--token-command exited with code 1");
            }
            return fresh;
          }

          @Override
          public String describe() {
            return "--token-command";
          }
        };
    TokenRenewer r = renewer(flaky);
    loop.execute(() -> r.start(exp.getEpochSecond()));
    await().atMost(Duration.ofSeconds(15)).until(() -> !sent.isEmpty());
    assertThat(sent).containsExactly(fresh);
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0)).contains("--token-command exited with code 1");
    loop.execute(() -> r.onFrame(new Frame.TokenAccepted(exp.plusSeconds(60).getEpochSecond())));
    await().atMost(Duration.ofSeconds(5)).until(() -> r.renewals() == 1);
  }

  @Test
  @DisplayName("the gateway's token-expiring notice triggers a renewal at once")
  void promptRenewsNow() {
    String fresh = jwt(Instant.now().plusSeconds(3600));
    TokenRenewer r = renewer(new StaticTokenSource(fresh, "test"));
    // A long token: the scheduled renewal is far away; only the prompt can cause a send.
    loop.execute(() -> r.start(Instant.now().plusSeconds(1800).getEpochSecond()));
    loop.execute(
        () ->
            assertThat(r.onFrame(new Frame.Notice(NoticeCode.TOKEN_EXPIRING, "expiring")))
                .isTrue());
    await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() == 1);
    assertThat(sent).containsExactly(fresh);
  }
}
