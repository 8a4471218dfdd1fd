package dev.ferry.client.auth;

import com.github.javakeyring.Keyring;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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

  /**
   * How long the probe may take. A locked keychain with nobody to answer its unlock prompt (an SSH
   * session, a headless box) makes the Secret Service wait for ever; a command must not hang on it.
   */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

  /** The working keychain store, or empty; every failure (native libraries, D-Bus) means empty. */
  public static Optional<KeyringRefreshTokenStore> keyring() {
    CompletableFuture<Optional<KeyringRefreshTokenStore>> probe = new CompletableFuture<>();
    Thread t = new Thread(() -> probe.complete(probeKeyring()), "ferry-keychain-probe");
    t.setDaemon(true);
    t.start();
    try {
      return probe.get(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (ExecutionException e) {
      return Optional.empty();
    }
  }

  private static Optional<KeyringRefreshTokenStore> probeKeyring() {
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
