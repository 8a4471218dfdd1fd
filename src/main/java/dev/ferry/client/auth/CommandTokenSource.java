package dev.ferry.client.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * {@code --token-command}: runs a command (e.g. {@code gcloud auth print-identity-token}) whenever
 * a fresh token is needed; its trimmed stdout is the token. A JWT is reused until its exp minus
 * {@link #MARGIN}; anything else for {@link #OPAQUE_LIFETIME}. Concurrent callers share one run.
 */
public final class CommandTokenSource implements TokenSource {

  public static final Duration MARGIN = Duration.ofSeconds(60);
  public static final Duration OPAQUE_LIFETIME = Duration.ofSeconds(60);
  public static final Duration DEFAULT_TIME_LIMIT = Duration.ofSeconds(30);

  private static final String LABEL = "--token-command";

  private final String command;
  private final Clock clock;
  private final Duration timeLimit;
  private final SingleFlight<String> flight = new SingleFlight<>();
  private volatile CachedToken cached;

  public CommandTokenSource(String command) {
    this(command, Clock.systemUTC(), DEFAULT_TIME_LIMIT);
  }

  public CommandTokenSource(String command, Clock clock, Duration timeLimit) {
    if (command == null || command.isBlank()) {
      throw new IllegalArgumentException("--token-command must not be empty");
    }
    this.command = command;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.timeLimit = Objects.requireNonNull(timeLimit, "timeLimit");
  }

  @Override
  public String token() throws TokenException {
    CachedToken current = cached;
    if (current != null && current.freshAt(clock.instant())) {
      return current.token();
    }
    return flight.run(this::runCommand);
  }

  @Override
  public String tokenIfReady() {
    CachedToken current = cached;
    return current != null && current.freshAt(clock.instant()) ? current.token() : null;
  }

  private String runCommand() throws TokenException {
    CachedToken current = cached; // a run that finished while we queued is good enough
    if (current != null && current.freshAt(clock.instant())) {
      return current.token();
    }
    ShellCommand.Outcome outcome = ShellCommand.run(command, timeLimit, LABEL);
    String token = outcome.stdout().trim();
    if (outcome.exitCode() != 0) {
      throw new TokenException(
          LABEL + " exited with code " + outcome.exitCode() + stderrSuffix(outcome));
    }
    if (token.isEmpty()) {
      throw new TokenException(LABEL + " printed no token (exit code 0)" + stderrSuffix(outcome));
    }
    Instant now = clock.instant();
    Instant renewAt =
        UnverifiedExpiry.of(token).map(exp -> exp.minus(MARGIN)).orElse(now.plus(OPAQUE_LIFETIME));
    cached = new CachedToken(token, renewAt);
    return token;
  }

  private static String stderrSuffix(ShellCommand.Outcome outcome) {
    String line = outcome.firstStderrLine();
    return line.isEmpty() ? "" : ": " + line;
  }

  @Override
  public void invalidate(String token) {
    cached = null;
  }

  /** The command text is left out on purpose: it may hold a secret (a header, a password). */
  @Override
  public String describe() {
    return LABEL;
  }
}
