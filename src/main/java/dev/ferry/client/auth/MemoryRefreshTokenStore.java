package dev.ferry.client.auth;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Keeps refresh tokens for the life of this process only: the fallback without a keychain. */
public final class MemoryRefreshTokenStore implements RefreshTokenStore {

  private final Map<String, String> tokens = new ConcurrentHashMap<>();

  @Override
  public Optional<String> load(String key) {
    return Optional.ofNullable(tokens.get(key));
  }

  @Override
  public void save(String key, String refreshToken) {
    tokens.put(key, refreshToken);
  }

  @Override
  public void delete(String key) {
    tokens.remove(key);
  }

  @Override
  public boolean persistent() {
    return false;
  }

  @Override
  public String describe() {
    return "memory only";
  }
}
