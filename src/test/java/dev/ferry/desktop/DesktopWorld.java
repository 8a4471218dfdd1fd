package dev.ferry.desktop;

import dev.ferry.client.auth.ClientStateStore;
import dev.ferry.client.auth.MemoryRefreshTokenStore;
import dev.ferry.client.auth.RefreshTokenStore;
import dev.ferry.desktop.gateways.CoreGatewayService;
import dev.ferry.desktop.gateways.GatewayService;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.TcpTarget;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;

/** The real world for desktop tests: gateway, OIDC provider, an echo target and a dead one. */
public final class DesktopWorld {
  public final GatewayFixture fx;
  public final GatewayFixture.Running gateway;
  public final TcpTarget echo;
  public final RefreshTokenStore store = new MemoryRefreshTokenStore();

  public DesktopWorld(GatewayFixture fx) throws Exception {
    this.fx = fx;
    this.echo = fx.target(TcpTarget.echo());
    this.gateway =
        fx.gateway()
            .acceptLoginTokens()
            .proxy("echo", echo)
            .proxy("down", "127.0.0.1:" + closedPort(), GatewayFixture.relaxed())
            .start();
  }

  /** The next sign-in yields alice (email claim) in group dba. */
  public void nextSignInIsAlice() {
    fx.oauth()
        .enqueueCallback(
            new DefaultOAuth2TokenCallback(
                GatewayFixture.ISSUER_ID,
                "alice-sub",
                "JWT",
                List.of(GatewayFixture.CLIENT_ID),
                Map.of("email", GatewayFixture.ALICE, "groups", List.of("dba")),
                3600));
  }

  /** Services on the core, with an in-memory keychain and the CLI state in {@code dir}. */
  public Function<String, GatewayService> services(Path dir) {
    ClientStateStore state = new ClientStateStore(dir.resolve("cli"));
    return url -> new CoreGatewayService(url, () -> store, state, null);
  }

  /** A port nobody listens on (bound, then closed). */
  public static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
