package dev.ferry.client.auth;

/** No token could be had; the message names why, in words for the user. */
public final class TokenException extends Exception {
  private static final long serialVersionUID = 1L;

  public TokenException(String message) {
    super(message);
  }

  public TokenException(String message, Throwable cause) {
    super(message, cause);
  }
}
