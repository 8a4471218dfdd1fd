package dev.ferry.gateway.auth;

/** A token was refused; {@link #failure()} names the check, the message says it in words. */
public final class AuthException extends Exception {
  private static final long serialVersionUID = 1L;
  private final AuthFailure failure;

  public AuthException(AuthFailure failure) {
    this(failure, failure.message());
  }

  public AuthException(AuthFailure failure, String message) {
    super(message, null, false, false);
    this.failure = failure;
  }

  public AuthFailure failure() {
    return failure;
  }
}
