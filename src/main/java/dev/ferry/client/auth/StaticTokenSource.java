package dev.ferry.client.auth;

/** A token given once (e.g. {@code $FERRY_TOKEN}); it cannot be renewed. */
public final class StaticTokenSource implements TokenSource {

  private final String token;
  private final String description;

  public StaticTokenSource(String token, String description) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("token must not be blank");
    }
    this.token = token.trim();
    this.description = description;
  }

  @Override
  public String token() {
    return token;
  }

  @Override
  public String tokenIfReady() {
    return token;
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public String toString() {
    return "StaticTokenSource[" + description + "]";
  }
}
