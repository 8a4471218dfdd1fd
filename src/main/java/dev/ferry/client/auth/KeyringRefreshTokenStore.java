package dev.ferry.client.auth;

import com.github.javakeyring.Keyring;
import com.github.javakeyring.PasswordAccessException;
import java.util.Optional;

/**
 * Refresh tokens in the OS keychain (Secret Service, macOS Keychain, Windows Credential Manager)
 * under service {@value #SERVICE}, one account per store key.
 */
public final class KeyringRefreshTokenStore implements RefreshTokenStore {

  public static final String SERVICE = "ferry";

  private final Keyring keyring;

  /** Use {@link RefreshTokenStores#system()}, which checks that the backend really works. */
  public KeyringRefreshTokenStore(Keyring keyring) {
    this.keyring = keyring;
  }

  /**
   * java-keyring reports "no such entry" and "keychain unavailable" with the same exception, so an
   * unreadable entry reads as absent: the user is then asked to sign in, which is the right fix for
   * either.
   */
  @Override
  public Optional<String> load(String key) {
    try {
      String value = keyring.getPassword(SERVICE, key);
      return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
    } catch (PasswordAccessException e) {
      return Optional.empty();
    } catch (RuntimeException | LinkageError e) {
      throw new RefreshTokenStoreException("cannot read the " + describe() + ": " + e, e);
    }
  }

  @Override
  public void save(String key, String refreshToken) {
    try {
      keyring.setPassword(SERVICE, key, refreshToken);
    } catch (PasswordAccessException | RuntimeException | LinkageError e) {
      throw new RefreshTokenStoreException("cannot write to the " + describe() + ": " + e, e);
    }
  }

  @Override
  public void delete(String key) {
    if (load(key).isEmpty()) {
      return; // backends differ on deleting a missing entry; make it a no-op everywhere
    }
    try {
      keyring.deletePassword(SERVICE, key);
    } catch (PasswordAccessException | RuntimeException | LinkageError e) {
      throw new RefreshTokenStoreException("cannot delete from the " + describe() + ": " + e, e);
    }
  }

  @Override
  public boolean persistent() {
    return true;
  }

  @Override
  public String describe() {
    return "OS keychain (" + keyring.getKeyringStorageType() + ")";
  }
}
