package dev.ferry.client.auth;

import com.github.javakeyring.Keyring;
import java.util.Optional;

/** Picks where sign-ins are kept on this machine. */
public final class RefreshTokenStores {

  static final String PROBE_KEY = "ferry-probe";

  private RefreshTokenStores() {}

  /**
   * The OS keychain when a backend really works (probed by saving, reading back and deleting a
   * dummy entry), else memory: then the caller says "no OS keychain found: the sign-in is kept in
   * memory only" (check {@link RefreshTokenStore#persistent()}). Never a plain file.
   */
  public static RefreshTokenStore system() {
    return keyring().map(RefreshTokenStore.class::cast).orElseGet(MemoryRefreshTokenStore::new);
  }

  /** The working keychain store, or empty; every failure (native libraries, D-Bus) means empty. */
  public static Optional<KeyringRefreshTokenStore> keyring() {
    Keyring keyring = null;
    try {
      keyring = Keyring.create();
      KeyringRefreshTokenStore store = new KeyringRefreshTokenStore(keyring);
      String probe = Pkce.randomToken();
      store.save(PROBE_KEY, probe);
      boolean readBack = store.load(PROBE_KEY).filter(probe::equals).isPresent();
      store.delete(PROBE_KEY);
      if (readBack) {
        return Optional.of(store);
      }
    } catch (Exception | LinkageError e) {
      // BackendNotSupportedException, UnsatisfiedLinkError from JNA, a D-Bus without a secrets
      // service: all mean "no keychain here", which system() turns into the memory store.
    }
    closeQuietly(keyring);
    return Optional.empty();
  }

  private static void closeQuietly(Keyring keyring) {
    if (keyring == null) {
      return;
    }
    try {
      keyring.close();
    } catch (Exception | LinkageError ignored) {
      // it did not work anyway; nothing more to release
    }
  }
}
