package dev.ferry.cli;

import dev.ferry.client.auth.ClientState;
import dev.ferry.client.auth.ClientStateStore;
import dev.ferry.client.auth.OidcClientSettings;
import dev.ferry.client.auth.OidcSession;
import dev.ferry.client.auth.RefreshTokenStores;
import java.net.URI;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code ferry logout}: forgets the stored sign-in (works without reaching the gateway). */
@Command(name = "logout", mixinStandardHelpOptions = true, description = "Forget stored tokens.")
final class LogoutCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    ClientState state = ClientStateStore.forCurrentUser().load();
    if (state.lastIssuer() == null || state.lastClientId() == null) {
      spec.commandLine().getOut().println("not signed in");
      return 0;
    }
    OidcClientSettings settings =
        new OidcClientSettings(URI.create(state.lastIssuer()), state.lastClientId(), List.of());
    new OidcSession(settings, RefreshTokenStores.system()).forget();
    spec.commandLine().getOut().println("signed out of " + state.lastIssuer());
    return 0;
  }
}
