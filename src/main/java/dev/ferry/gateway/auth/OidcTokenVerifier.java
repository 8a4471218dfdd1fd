package dev.ferry.gateway.auth;

import com.nimbusds.jose.Header;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.ferry.gateway.config.IssuerSettings;
import java.net.http.HttpClient;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies OIDC bearer tokens (JWS-signed JWTs) against one or more trusted issuers.
 *
 * <p>Order of checks: header shape, algorithm allow-list, exact {@code iss} to pick the issuer, key
 * selection from that issuer's JWKS, signature, then time and audience. Nothing the token claims is
 * believed before its signature verified, except {@code iss}, {@code kid} and {@code alg}, which
 * only choose among keys we fetched ourselves.
 *
 * <p>Cached decisions complete on the caller's thread; everything else runs on the executor because
 * discovery and JWKS fetches block.
 */
public final class OidcTokenVerifier implements TokenVerifier {
  private static final Logger LOG = LoggerFactory.getLogger(OidcTokenVerifier.class);

  private final Map<String, IssuerSettings> settingsByIssuer = new LinkedHashMap<>();
  private final Map<String, IssuerKeys> keysByIssuer = new LinkedHashMap<>();
  private final Executor executor;
  private final ExecutorService ownedExecutor;
  private final ClaimsCheck claimsCheck;
  private final DecisionCache cache;
  private final Duration clockSkew;

  public OidcTokenVerifier(List<IssuerSettings> issuers) {
    this(issuers, VerifierOptions.defaults());
  }

  public OidcTokenVerifier(List<IssuerSettings> issuers, VerifierOptions options) {
    Objects.requireNonNull(issuers, "issuers");
    Objects.requireNonNull(options, "options");
    if (issuers.isEmpty()) {
      throw new IllegalArgumentException("at least one issuer is required");
    }
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(options.connectTimeout())
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    DiscoveryClient discovery = new DiscoveryClient(http, options.readTimeout());
    for (IssuerSettings issuer : issuers) {
      if (issuer.audiences().isEmpty()) {
        throw new IllegalArgumentException("issuer " + issuer.issuer() + " has no audiences");
      }
      if (settingsByIssuer.put(issuer.issuer(), issuer) != null) {
        throw new IllegalArgumentException("issuer configured twice: " + issuer.issuer());
      }
      keysByIssuer.put(issuer.issuer(), new IssuerKeys(issuer.issuer(), discovery, options));
    }
    if (options.executor() == null) {
      ownedExecutor = AuthWorkers.newPool();
      executor = ownedExecutor;
    } else {
      ownedExecutor = null;
      executor = options.executor();
    }
    claimsCheck = new ClaimsCheck(options.clock(), options.clockSkew());
    cache = new DecisionCache(options.clock());
    clockSkew = options.clockSkew();
  }

  @Override
  public Duration clockSkew() {
    return clockSkew;
  }

  @Override
  public CompletableFuture<VerifiedIdentity> verify(String authorizationHeader) {
    String token;
    try {
      token = BearerHeader.token(authorizationHeader);
    } catch (AuthException e) {
      return CompletableFuture.failedFuture(e);
    }
    var cached = cache.get(token);
    if (cached.isPresent()) {
      return CompletableFuture.completedFuture(cached.get());
    }
    CompletableFuture<VerifiedIdentity> result = new CompletableFuture<>();
    return submit(
        result,
        () -> {
          VerifiedIdentity identity = verifyNow(token);
          cache.put(token, identity);
          result.complete(identity);
        });
  }

  /**
   * Runs discovery and the first JWKS fetch for every issuer. Completes exceptionally (with the
   * first {@link AuthException}) if any issuer failed; that disables nothing, later requests retry.
   */
  public CompletableFuture<Void> warmUp() {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (IssuerKeys keys : keysByIssuer.values()) {
      CompletableFuture<Void> one = new CompletableFuture<>();
      all.add(
          submit(
              one,
              () -> {
                keys.warmUp();
                one.complete(null);
              }));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
  }

  @Override
  public void close() {
    if (ownedExecutor != null) {
      ownedExecutor.shutdownNow();
    }
  }

  /** JWKS fetches that reached the network for {@code issuer}; for diagnostics and tests. */
  int jwksFetches(String issuer) {
    IssuerKeys keys = keysByIssuer.get(issuer);
    return keys == null ? 0 : keys.jwksFetches();
  }

  private interface Work {
    void run() throws AuthException;
  }

  private <T> CompletableFuture<T> submit(CompletableFuture<T> result, Work work) {
    try {
      executor.execute(
          () -> {
            try {
              work.run();
            } catch (AuthException e) {
              result.completeExceptionally(e);
            } catch (RuntimeException e) {
              // Fail closed. Only the type is logged: messages may quote token content.
              LOG.warn("token verification failed unexpectedly: {}", e.getClass().getName());
              result.completeExceptionally(
                  new AuthException(AuthFailure.MALFORMED, "token could not be processed"));
            }
          });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(
          new AuthException(AuthFailure.ISSUER_UNAVAILABLE, "token verification is overloaded"));
    }
    return result;
  }

  private VerifiedIdentity verifyNow(String token) throws AuthException {
    JWSHeader header = jwsHeader(token);
    SignedJWT jwt;
    JWTClaimsSet claims;
    try {
      jwt = SignedJWT.parse(token);
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new AuthException(
          AuthFailure.MALFORMED, "malformed token: unreadable header or claims");
    }
    String iss = claims.getIssuer();
    IssuerSettings settings = iss == null ? null : settingsByIssuer.get(iss);
    if (settings == null) {
      throw new AuthException(
          AuthFailure.UNTRUSTED_ISSUER, "token issuer is not trusted: " + SafeText.of(iss));
    }
    IssuerKeys keys = keysByIssuer.get(iss);
    List<JWK> candidates = keys.candidates(header.getKeyID());
    if (candidates.isEmpty() && keys.unreachable()) {
      // Perhaps the issuer rotated to a key we could not fetch: say so, rather than "unknown".
      throw new AuthException(
          AuthFailure.ISSUER_UNAVAILABLE,
          "cannot fetch the issuer's keys ("
              + iss
              + " unreachable); kid "
              + SafeText.of(header.getKeyID())
              + " is not among the cached keys");
    }
    if (candidates.isEmpty()) {
      throw new AuthException(
          AuthFailure.UNKNOWN_KEY,
          header.getKeyID() == null
              ? "unknown signing key: issuer publishes no signing key"
              : "unknown signing key: kid " + SafeText.of(header.getKeyID()));
    }
    JWSAlgorithm alg = header.getAlgorithm();
    List<JWK> fitting = candidates.stream().filter(key -> SignatureCheck.fits(alg, key)).toList();
    if (fitting.isEmpty()) {
      throw new AuthException(
          AuthFailure.ALGORITHM,
          "signing algorithm not allowed: " + alg.getName() + " does not match the issuer's key");
    }
    if (!anyVerifies(jwt, fitting)) {
      throw new AuthException(AuthFailure.SIGNATURE);
    }
    claimsCheck.check(claims, settings);
    return IdentityClaims.of(claims, settings);
  }

  /** Reads only the header: refuses {@code none}, HS* and anything else off the allow-list. */
  private static JWSHeader jwsHeader(String token) throws AuthException {
    Header header;
    try {
      header = Header.parse(new Base64URL(token.substring(0, token.indexOf('.'))));
    } catch (ParseException e) {
      throw new AuthException(AuthFailure.MALFORMED, "malformed token: unreadable header");
    }
    if (header instanceof PlainHeader) {
      throw new AuthException(AuthFailure.ALGORITHM, "signing algorithm not allowed: none");
    }
    if (!(header instanceof JWSHeader jws)) {
      throw new AuthException(AuthFailure.MALFORMED, "malformed token: not a signed JWT");
    }
    if (!SignatureCheck.allowed(jws.getAlgorithm())) {
      throw new AuthException(
          AuthFailure.ALGORITHM,
          "signing algorithm not allowed: " + SafeText.of(jws.getAlgorithm().getName()));
    }
    if (jws.getCriticalParams() != null && !jws.getCriticalParams().isEmpty()) {
      // RFC 7515 §4.1.11: we understand no extension, so a token that requires one is refused.
      throw new AuthException(
          AuthFailure.MALFORMED, "malformed token: unsupported critical header parameters");
    }
    return jws;
  }

  private static boolean anyVerifies(SignedJWT jwt, List<JWK> keys) {
    for (JWK key : keys) {
      try {
        if (SignatureCheck.verify(jwt, key)) {
          return true;
        }
      } catch (JOSEException e) {
        // A key we cannot use (e.g. too short) verifies nothing; try the next one.
      }
    }
    return false;
  }
}
