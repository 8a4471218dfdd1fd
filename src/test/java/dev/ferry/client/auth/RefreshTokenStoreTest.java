package dev.ferry.client.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RefreshTokenStoreTest {

  private static void roundTrip(RefreshTokenStore store) {
    String key = "ferry-test " + Pkce.randomToken();
    try {
      assertThat(store.load(key)).isEmpty();
      store.save(key, "refresh-1");
      assertThat(store.load(key)).contains("refresh-1");
      store.save(key, "refresh-2");
      assertThat(store.load(key)).contains("refresh-2");
    } finally {
      store.delete(key);
    }
    assertThat(store.load(key)).isEmpty();
    store.delete(key); // deleting what is not there is a no-op
  }

  @Test
  @DisplayName("the memory store keeps, replaces and forgets tokens, and says it is not persistent")
  void memoryStore() {
    MemoryRefreshTokenStore store = new MemoryRefreshTokenStore();
    roundTrip(store);
    assertThat(store.persistent()).isFalse();
    assertThat(store.describe()).isEqualTo("memory only");
  }

  @Test
  @DisplayName("system() always hands back a working store: the keychain, else memory")
  void systemStoreWorks() {
    RefreshTokenStore store = RefreshTokenStores.system();
    roundTrip(store);
    assertThat(store.persistent()).isEqualTo(store instanceof KeyringRefreshTokenStore);
  }

  @Test
  @DisplayName("the keychain store keeps, replaces and forgets tokens (needs an OS keychain)")
  void keyringStore() {
    Optional<KeyringRefreshTokenStore> keyring = RefreshTokenStores.keyring();
    assumeTrue(
        keyring.isPresent(),
        "no OS keychain backend here (e.g. no Secret Service on D-Bus); see TOOLCHAIN.md");
    roundTrip(keyring.get());
    assertThat(keyring.get().persistent()).isTrue();
    assertThat(keyring.get().describe()).startsWith("OS keychain");
  }
}
