package dev.ferry.client.auth;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

/** Chooses the token source in DESIGN §2's order. */
public final class TokenSources {

  public static final String ENV_TOKEN = "FERRY_TOKEN";

  private TokenSources() {}

  /**
   * {@code --token-file}, else {@code --token-command}, else {@code $FERRY_TOKEN} (empty counts as
   * unset), else the stored login. The login supplier is called only when it is the one chosen, so
   * an explicit source never touches the keychain.
   *
   * @param tokenFile --token-file or null
   * @param tokenCommand --token-command or null
   * @param env the process environment (injected for tests)
   */
  public static TokenSource resolve(
      Path tokenFile,
      String tokenCommand,
      Map<String, String> env,
      Supplier<TokenSource> storedLogin) {
    if (tokenFile != null) {
      return new FileTokenSource(tokenFile);
    }
    if (tokenCommand != null) {
      return new CommandTokenSource(tokenCommand);
    }
    String fromEnv = env.get(ENV_TOKEN);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return new StaticTokenSource(fromEnv, ENV_TOKEN);
    }
    return storedLogin.get();
  }
}
