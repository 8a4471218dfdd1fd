package dev.ferry.gateway.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** The URL rules of the configuration, kept apart so they read as a list of rules. */
final class HttpUrls {
  private static final Set<String> LOOPBACK_HOSTS = Set.of("127.0.0.1", "localhost", "[::1]");

  private HttpUrls() {}

  /**
   * Why {@code text} cannot be an OIDC issuer, or empty when it can. Plain http is accepted only on
   * loopback, where tests and {@code ferry demo} run their own provider: anywhere else it would let
   * a network attacker swap the signing keys.
   */
  static Optional<String> issuerProblem(String text) {
    Optional<URI> uri = absolute(text);
    if (uri.isEmpty()) {
      return Optional.of("must be an absolute https URL");
    }
    String scheme = uri.get().getScheme().toLowerCase(Locale.ROOT);
    boolean loopback = LOOPBACK_HOSTS.contains(uri.get().getHost().toLowerCase(Locale.ROOT));
    if (!scheme.equals("https") && !(scheme.equals("http") && loopback)) {
      return Optional.of(
          "must be an absolute https URL (http only for 127.0.0.1, localhost or [::1])");
    }
    if (uri.get().getRawQuery() != null || uri.get().getRawFragment() != null) {
      // OIDC Discovery 1.0 §3: the issuer has no query or fragment component.
      return Optional.of("must not have a query or fragment");
    }
    return Optional.empty();
  }

  /** Why {@code text} cannot be the gateway's public URL, or empty when it can. */
  static Optional<String> publicUrlProblem(String text) {
    Optional<URI> uri = absolute(text);
    if (uri.isEmpty()
        || !Set.of("http", "https").contains(uri.get().getScheme().toLowerCase(Locale.ROOT))) {
      return Optional.of("must be an absolute http or https URL");
    }
    return Optional.empty();
  }

  private static Optional<URI> absolute(String text) {
    try {
      URI uri = new URI(text);
      return uri.isAbsolute() && uri.getHost() != null ? Optional.of(uri) : Optional.empty();
    } catch (URISyntaxException e) {
      return Optional.empty();
    }
  }
}
