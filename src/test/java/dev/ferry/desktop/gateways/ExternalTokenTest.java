package dev.ferry.desktop.gateways;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.client.api.ProxyList;
import dev.ferry.client.auth.FileTokenSource;
import dev.ferry.client.auth.StaticTokenSource;
import dev.ferry.client.auth.TokenSources;
import dev.ferry.desktop.DesktopWorld;
import dev.ferry.testkit.GatewayFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The desktop signs in with the CLI's token sources (--token-file, --token-command, FERRY_TOKEN).
 */
@Timeout(60)
class ExternalTokenTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  @TempDir Path dir;

  @Test
  @DisplayName("--token-file: signed in without a browser, who and until when from the token")
  void tokenFile() throws Exception {
    DesktopWorld world = new DesktopWorld(fx);
    Path file = dir.resolve("token");
    Files.writeString(file, fx.token(GatewayFixture.ALICE, "dba", "dev") + "\n");
    try (CoreGatewayService s =
        new CoreGatewayService(
            world.gateway.url(), () -> world.store, null, null, new FileTokenSource(file))) {
      Account a = s.resume().orElseThrow();
      assertThat(a.user()).isEqualTo(GatewayFixture.ALICE);
      assertThat(a.groups()).containsExactly("dba", "dev");
      assertThat(Duration.between(Instant.now(), a.expiresAt())).isPositive();
      ProxyList list = s.proxies();
      assertThat(list.proxies()).extracting(ProxyList.ProxyInfo::name).contains("echo");
      assertThat(s.renew()).isEqualTo(a.expiresAt());

      s.signOut();
      assertThat(
              s.signIn(
                      uri -> {
                        throw new AssertionError("no browser with a token file: " + uri);
                      })
                  .user())
          .isEqualTo(GatewayFixture.ALICE);
    }
  }

  @Test
  @DisplayName(
      "the CLI's order: FERRY_TOKEN when no file or command; an opaque token names its source")
  void order() throws Exception {
    assertThat(TokenSources.resolve(null, null, Map.of("FERRY_TOKEN", "abc"), () -> null))
        .isInstanceOf(StaticTokenSource.class);
    assertThat(TokenSources.resolve(null, null, Map.of(), () -> null)).isNull();
    Account opaque = ExternalToken.account(new StaticTokenSource("abc", "FERRY_TOKEN"));
    assertThat(opaque.user()).isEqualTo("FERRY_TOKEN");
    assertThat(opaque.expiresAt()).isNull();
  }
}
