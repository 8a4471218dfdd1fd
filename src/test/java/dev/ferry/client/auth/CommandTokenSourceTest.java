package dev.ferry.client.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import dev.ferry.testkit.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands here are POSIX sh, as run on Linux and macOS (Windows would run cmd /c). */
class CommandTokenSourceTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration LIMIT = Duration.ofSeconds(10);

  @TempDir Path dir;
  private Path runs;
  private final MutableClock clock = new MutableClock(T0);

  @BeforeEach
  void setUp() {
    runs = dir.resolve("runs");
  }

  /** A command that records each run in {@link #runs} and prints {@code token}. */
  private CommandTokenSource counting(String token) throws Exception {
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, token + "\n");
    return new CommandTokenSource(
        "echo run >> '" + runs + "'; cat '" + tokenFile + "'", clock, LIMIT);
  }

  private long runCount() throws Exception {
    return Files.exists(runs) ? Files.readAllLines(runs).size() : 0;
  }

  private static String jwtExpiringAt(Instant exp) {
    return new PlainJWT(
            new JWTClaimsSet.Builder().subject("ci").expirationTime(Date.from(exp)).build())
        .serialize();
  }

  @Test
  @DisplayName("the trimmed stdout is the token")
  void printsToken() throws Exception {
    CommandTokenSource source = new CommandTokenSource("printf '  tok-1\\n'", clock, LIMIT);
    assertThat(source.token()).isEqualTo("tok-1");
    assertThat(source.describe()).isEqualTo("--token-command");
  }

  @Test
  @DisplayName("a non-zero exit names the code and the first stderr line")
  void failingCommand() {
    CommandTokenSource source =
        new CommandTokenSource(
            "echo 'gcloud: no credentials' >&2; echo more >&2; exit 3", clock, LIMIT);
    assertThatThrownBy(source::token)
        .isInstanceOf(TokenException.class)
        .hasMessage("--token-command exited with code 3: gcloud: no credentials");
  }

  @Test
  @DisplayName("empty output is an error, not an empty token")
  void emptyOutput() {
    CommandTokenSource source = new CommandTokenSource("printf '\\n'", clock, LIMIT);
    assertThatThrownBy(source::token)
        .isInstanceOf(TokenException.class)
        .hasMessageContaining("printed no token");
  }

  @Test
  @DisplayName("a command that hangs is stopped at the time limit")
  void timeLimit() {
    CommandTokenSource source = new CommandTokenSource("sleep 30", clock, Duration.ofSeconds(1));
    assertThatThrownBy(source::token)
        .isInstanceOf(TokenException.class)
        .hasMessageContaining("did not finish within 1 s");
  }

  @Test
  @DisplayName("a JWT is reused until its exp minus 60 s, then the command runs again")
  void cachesJwtUntilExpMinusMargin() throws Exception {
    String jwt = jwtExpiringAt(T0.plusSeconds(600));
    CommandTokenSource source = counting(jwt);

    assertThat(source.token()).isEqualTo(jwt);
    clock.advance(Duration.ofSeconds(539));
    assertThat(source.token()).isEqualTo(jwt);
    assertThat(runCount()).isEqualTo(1);

    clock.advance(Duration.ofSeconds(2)); // 541 s: inside the margin
    source.token();
    assertThat(runCount()).isEqualTo(2);
  }

  @Test
  @DisplayName("an opaque token is reused for 60 s")
  void cachesOpaqueFor60s() throws Exception {
    CommandTokenSource source = counting("opaque-token");
    source.token();
    clock.advance(Duration.ofSeconds(59));
    source.token();
    assertThat(runCount()).isEqualTo(1);
    clock.advance(Duration.ofSeconds(2));
    source.token();
    assertThat(runCount()).isEqualTo(2);
  }

  @Test
  @DisplayName("tokenIfReady never runs the command: null until a run, then the cached token")
  void tokenIfReadyOnlyFromCache() throws Exception {
    String jwt = jwtExpiringAt(T0.plusSeconds(600));
    CommandTokenSource source = counting(jwt);
    assertThat(source.tokenIfReady()).isNull();
    assertThat(runCount()).isZero();
    assertThat(source.token()).isEqualTo(jwt);
    assertThat(source.tokenIfReady()).isEqualTo(jwt);
    clock.advance(Duration.ofSeconds(541)); // inside the margin: token() would renew
    assertThat(source.tokenIfReady()).isNull();
    assertThat(runCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("invalidate forces the next call to run the command")
  void invalidateReruns() throws Exception {
    CommandTokenSource source = counting(jwtExpiringAt(T0.plusSeconds(3600)));
    String token = source.token();
    source.token();
    assertThat(runCount()).isEqualTo(1);
    source.invalidate(token);
    source.token();
    assertThat(runCount()).isEqualTo(2);
  }

  @Test
  @DisplayName("concurrent callers share one run of the command")
  void singleFlight() throws Exception {
    CommandTokenSource source = counting(jwtExpiringAt(T0.plusSeconds(3600)));
    int threads = 10;
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  return source.token();
                }));
      }
      go.countDown();
      for (Future<String> result : results) {
        assertThat(result.get(20, TimeUnit.SECONDS)).startsWith("eyJ");
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(runCount()).isEqualTo(1);
  }
}
