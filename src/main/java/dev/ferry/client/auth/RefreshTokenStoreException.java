package dev.ferry.client.auth;

/** The token store could not be read or written; the message names the store and why. */
public final class RefreshTokenStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RefreshTokenStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
