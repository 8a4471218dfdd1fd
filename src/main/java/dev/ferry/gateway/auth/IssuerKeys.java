package dev.ferry.gateway.auth;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.jwk.source.URLBasedJWKSetSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signing keys of one issuer. Discovery runs lazily on first use and is retried after a failure
 * (once per cool-down), so an issuer that is down when the gateway starts only affects its own
 * tokens, and only until it is back. Keys come only from the discovered {@code jwks_uri}, never
 * from anything the token names ({@code jku}, {@code x5u}, {@code jwk}, {@code x5c}).
 */
final class IssuerKeys {
  private static final Logger LOG = LoggerFactory.getLogger(IssuerKeys.class);

  /** JWKS documents are small; nimbus refuses anything larger. */
  private static final int JWKS_SIZE_LIMIT = 512 * 1024;

  /** Symmetric ({@code oct}) keys are never selected: they would allow HS* forgeries. */
  private static final KeyType[] SIGNING_KEY_TYPES = {KeyType.RSA, KeyType.EC, KeyType.OKP};

  private final String issuer;
  private final DiscoveryClient discovery;
  private final VerifierOptions options;
  private final Clock clock;

  private volatile JWKSource<SecurityContext> keys;
  private volatile RefetchGate gate;
  private long lastDiscoveryFailure;
  private String lastDiscoveryError;

  IssuerKeys(String issuer, DiscoveryClient discovery, VerifierOptions options) {
    this.issuer = issuer;
    this.discovery = discovery;
    this.options = options;
    this.clock = options.clock();
  }

  String issuer() {
    return issuer;
  }

  /**
   * Keys that may have signed a token with this {@code kid} (any signing key when the token names
   * none). An unknown kid makes nimbus refetch the JWKS once, within the cool-down budget. Blocks
   * on the network; call it on a worker thread.
   */
  List<JWK> candidates(String kid) throws AuthException {
    JWKMatcher matcher =
        new JWKMatcher.Builder()
            .keyID(kid)
            .keyTypes(SIGNING_KEY_TYPES)
            .keyUses(KeyUse.SIGNATURE, null)
            .build();
    try {
      return source().get(new JWKSelector(matcher), null);
    } catch (KeySourceException e) {
      LOG.warn("signing keys of {} unavailable: {}", issuer, e.getMessage());
      throw new AuthException(AuthFailure.ISSUER_UNAVAILABLE, "issuer keys unavailable: " + issuer);
    }
  }

  /** Discovers and loads the keys now; throws ISSUER_UNAVAILABLE when either step fails. */
  void warmUp() throws AuthException {
    candidates(null);
  }

  /** JWKS fetches that reached the network so far (0 before discovery). */
  /** True when the last JWKS fetch failed, so only the cached keys (if any) are known. */
  boolean unreachable() {
    RefetchGate current = gate;
    return current != null && current.lastFetchFailed();
  }

  int jwksFetches() {
    RefetchGate current = gate;
    return current == null ? 0 : current.fetches();
  }

  private JWKSource<SecurityContext> source() throws AuthException {
    JWKSource<SecurityContext> current = keys;
    if (current != null) {
      return current;
    }
    // One discovery at a time per issuer; callers queued behind a failure fail fast below.
    synchronized (this) {
      if (keys != null) {
        return keys;
      }
      long now = clock.millis();
      if (lastDiscoveryError != null
          && now - lastDiscoveryFailure < options.refetchCooldown().toMillis()) {
        throw unavailable();
      }
      try {
        keys = build(discovery.jwksUri(issuer));
        lastDiscoveryError = null;
        return keys;
      } catch (IOException | RuntimeException e) {
        lastDiscoveryFailure = now;
        lastDiscoveryError = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        LOG.warn("discovery for {} failed: {}", issuer, lastDiscoveryError);
        throw unavailable();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw unavailable();
      }
    }
  }

  private AuthException unavailable() {
    return new AuthException(
        AuthFailure.ISSUER_UNAVAILABLE, "issuer unavailable (discovery failed): " + issuer);
  }

  private JWKSource<SecurityContext> build(URI jwksUri) throws IOException {
    int connectMillis = (int) options.connectTimeout().toMillis();
    int readMillis = (int) options.readTimeout().toMillis();
    DefaultResourceRetriever retriever =
        new DefaultResourceRetriever(connectMillis, readMillis, JWKS_SIZE_LIMIT);
    RefetchGate newGate =
        new RefetchGate(
            new URLBasedJWKSetSource<>(jwksUri.toURL(), retriever),
            clock,
            options.refetchCooldown());
    gate = newGate;
    return JWKSourceBuilder.create(newGate)
        // How long a request waits for another thread's fetch before giving up.
        .cache(options.jwksCacheTtl().toMillis(), (long) connectMillis + readMillis)
        .refreshAheadCache(false)
        // RefetchGate does the rate limiting (see there why not nimbus').
        .rateLimited(false)
        .retrying(false)
        .outageTolerant(options.outageTolerance().toMillis())
        .build();
  }
}
