package dev.ferry.client.auth;

import java.util.Optional;

/**
 * Where the refresh token of a login is kept between runs. Implementations never write a token to a
 * plain file or a log. Failures are {@link RefreshTokenStoreException}s naming the store.
 */
public interface RefreshTokenStore {

  Optional<String> load(String key);

  void save(String key, String refreshToken);

  /** Forgets {@code key}; nothing happens when it is not there. */
  void delete(String key);

  /** Whether a saved token survives this process (false: memory only). */
  boolean persistent();

  /** For messages: "OS keychain (FREEDESKTOP)", "memory only". */
  String describe();
}
