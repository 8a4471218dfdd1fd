package dev.ferry.cli;

import dev.ferry.client.auth.BrowserLogin;
import dev.ferry.client.auth.ClientStateStore;
import dev.ferry.client.auth.LoginResult;
import dev.ferry.client.auth.OidcClientSettings;
import dev.ferry.client.auth.OidcSession;
import dev.ferry.client.auth.RefreshTokenStore;
import dev.ferry.client.auth.RefreshTokenStores;
import dev.ferry.client.auth.SystemBrowser;
import dev.ferry.client.auth.TokenException;
import dev.ferry.tunnel.TunnelError;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ferry login [--gateway URL]}: signs in through the system browser with the issuer and
 * client id the gateway names, and keeps the refresh token in the OS keychain.
 */
@Command(
    name = "login",
    mixinStandardHelpOptions = true,
    description = "Sign in through the browser (authorization code + PKCE, loopback redirect).")
final class LoginCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ClientOptions client;

  @Option(names = "--no-browser", description = "only print the URL; do not launch a browser")
  boolean noBrowser;

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      defaultValue = "300",
      description = "give up when the sign-in is not finished in time (default 300)")
  long timeoutSeconds;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    OidcClientSettings settings = client.loginSettings();
    BrowserLogin login =
        new BrowserLogin(
            settings,
            uri -> {
              out.println("open this URL to sign in: " + uri);
              out.flush();
              if (!noBrowser && !SystemBrowser.tryOpen(uri)) {
                err.println("(no browser could be launched here: open the URL yourself)");
                err.flush();
              }
            },
            Duration.ofSeconds(timeoutSeconds),
            client
                .proxies()
                .client(
                    HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(10))
                        .followRedirects(HttpClient.Redirect.NEVER)));
    LoginResult result;
    try {
      result = login.login();
    } catch (TokenException e) {
      throw new CliFailure(TunnelError.UNAUTHENTICATED, "sign-in failed: " + e.getMessage());
    }
    RefreshTokenStore store = RefreshTokenStores.system();
    OidcSession session = new OidcSession(settings, store);
    session.remember(result);
    ClientStateStore state = ClientStateStore.forCurrentUser();
    try {
      state.save(
          state
              .load()
              .withLastGateway(client.endpoint().toString())
              .withLastLogin(settings.issuer().toString(), settings.clientId()));
    } catch (IOException e) {
      err.println(
          "ferry: could not remember the gateway in " + state.file() + ": " + e.getMessage());
    }
    out.println(
        "signed in to "
            + client.endpoint()
            + " as "
            + result.user()
            + (result.groups().isEmpty()
                ? ""
                : " (groups: " + String.join(", ", result.groups()) + ")")
            + "; token valid until "
            + DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z")
                .format(result.expiresAt().atZone(ZoneId.systemDefault())));
    if (result.refreshToken() == null) {
      out.println("the issuer sent no refresh token: run ferry login again when the token expires");
    } else if (!store.persistent()) {
      out.println(
          "no OS keychain found: the sign-in is kept in memory only and ends with this command;"
              + " use --token-command or FERRY_TOKEN for other commands");
    } else {
      out.println("sign-in kept in " + store.describe());
    }
    return 0;
  }
}
