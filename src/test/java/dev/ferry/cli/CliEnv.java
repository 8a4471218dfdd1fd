package dev.ferry.cli;

import dev.ferry.testkit.CliProcess;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A hermetic environment for a {@code ferry} child process: no token, gateway, CA file or proxy
 * inherited from the machine running the tests, and HOME / XDG_CONFIG_HOME in a test folder so no
 * stored login or client state leaks in or out.
 */
final class CliEnv {
  private CliEnv() {}

  /** The hermetic base plus {@code overrides} given as key, value, key, value… */
  static Map<String, String> of(Path home, String... overrides) {
    if (overrides.length % 2 != 0) {
      throw new IllegalArgumentException("overrides come in key/value pairs");
    }
    Map<String, String> env = new HashMap<>();
    env.put("FERRY_TOKEN", CliProcess.UNSET);
    env.put("FERRY_GATEWAY", CliProcess.UNSET);
    env.put("FERRY_CA_FILE", CliProcess.UNSET);
    env.put("PORT", CliProcess.UNSET);
    for (String proxyVar :
        new String[] {
          "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"
        }) {
      env.put(proxyVar, CliProcess.UNSET);
    }
    env.put("HOME", home.toString());
    env.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
    for (int i = 0; i < overrides.length; i += 2) {
      env.put(overrides[i], overrides[i + 1]);
    }
    return env;
  }

  /** Hermetic, with {@code FERRY_TOKEN=token}. */
  static Map<String, String> withToken(Path home, String token) {
    return of(home, "FERRY_TOKEN", token);
  }
}
