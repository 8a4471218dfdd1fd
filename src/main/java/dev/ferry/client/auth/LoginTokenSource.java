package dev.ferry.client.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Tokens from the stored login: keeps the current ID token in memory until its exp minus a margin,
 * then renews it through the {@link OidcSession}; many threads asking at once cause one renewal.
 */
public final class LoginTokenSource implements TokenSource {

  /** Renew this long before exp, so a token never expires on its way to the gateway. */
  public static final Duration MARGIN = Duration.ofSeconds(60);

  private final OidcSession session;
  private final Clock clock;
  private final SingleFlight<String> flight = new SingleFlight<>();
  private volatile CachedToken current;

  public LoginTokenSource(OidcSession session) {
    this(session, null, Clock.systemUTC());
  }

  /**
   * @param initial a login just completed (its ID token is used until it needs renewing), or null
   */
  public LoginTokenSource(OidcSession session, LoginResult initial, Clock clock) {
    this.session = Objects.requireNonNull(session, "session");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (initial != null) {
      current = cache(initial);
    }
  }

  @Override
  public String token() throws TokenException {
    CachedToken cached = current;
    if (cached != null && cached.freshAt(clock.instant())) {
      return cached.token();
    }
    return flight.run(this::renew);
  }

  @Override
  public String tokenIfReady() {
    CachedToken cached = current;
    return cached != null && cached.freshAt(clock.instant()) ? cached.token() : null;
  }

  private String renew() throws TokenException {
    // A caller that queued behind a renewal which just finished finds its result here.
    CachedToken cached = current;
    if (cached != null && cached.freshAt(clock.instant())) {
      return cached.token();
    }
    CachedToken fresh = cache(session.refresh());
    current = fresh;
    return fresh.token();
  }

  /**
   * When the token this source hands out now expires, or null before it has one (or after {@link
   * #invalidate}). Thread-safe; never blocks, never renews: a UI samples it for a countdown.
   */
  public Instant currentExpiry() {
    CachedToken cached = current;
    return cached == null ? null : cached.renewAt().plus(MARGIN);
  }

  @Override
  public void invalidate(String token) {
    CachedToken cached = current;
    if (cached != null && cached.token().equals(token)) {
      current = null;
    }
  }

  @Override
  public String describe() {
    return "login";
  }

  private static CachedToken cache(LoginResult login) {
    return new CachedToken(login.idToken(), login.expiresAt().minus(MARGIN));
  }
}
