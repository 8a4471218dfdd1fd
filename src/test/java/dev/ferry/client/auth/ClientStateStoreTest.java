package dev.ferry.client.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientStateStoreTest {

  @TempDir Path dir;

  @Test
  @DisplayName("state saved is state loaded; nothing saved reads as empty")
  void roundTrip() throws Exception {
    ClientStateStore store = new ClientStateStore(dir.resolve("ferry"));
    assertThat(store.load()).isEqualTo(ClientState.EMPTY);

    ClientState state =
        ClientState.EMPTY
            .withLastGateway("https://ferry.example.com")
            .withLastLogin("https://accounts.google.com", "1234.apps.googleusercontent.com");
    store.save(state);

    assertThat(store.load()).isEqualTo(state);
    assertThat(new ClientStateStore(dir.resolve("ferry")).load()).isEqualTo(state);
  }

  @Test
  @DisplayName("a save replaces the file by rename and leaves no temp file behind")
  void atomicWrite() throws Exception {
    ClientStateStore store = new ClientStateStore(dir);
    store.save(ClientState.EMPTY.withLastGateway("http://127.0.0.1:1"));
    Object firstFile = Files.readAttributes(store.file(), "unix:ino").get("ino");
    store.save(ClientState.EMPTY.withLastGateway("http://127.0.0.1:2"));

    // A rename puts a new file in place; an in-place rewrite would keep the inode.
    assertThat(Files.readAttributes(store.file(), "unix:ino").get("ino")).isNotEqualTo(firstFile);
    assertThat(store.load().lastGateway()).isEqualTo("http://127.0.0.1:2");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(store.file());
    }
  }

  @Test
  @DisplayName("after a real login the file holds neither the ID token nor the refresh token")
  void noTokenInFile() throws Exception {
    LoginResult login;
    try (MockIssuer issuer = new MockIssuer();
        FakeBrowser browser = new FakeBrowser()) {
      issuer.nextUser("alice-sub", "alice@example.com", List.of("dba"));
      login =
          new BrowserLogin(
                  issuer.settings(),
                  browser::open,
                  Duration.ofSeconds(20),
                  OidcHttp.defaultClient())
              .login();
      ClientStateStore store = new ClientStateStore(dir);
      store.save(
          ClientState.EMPTY
              .withLastGateway("http://127.0.0.1:8080")
              .withLastLogin(issuer.issuer().toString(), MockIssuer.CLIENT_ID));

      String content = Files.readString(store.file());
      assertThat(content).doesNotContain(login.idToken(), login.refreshToken(), "eyJ");
      assertThat(content).contains(MockIssuer.CLIENT_ID);
    }
  }

  @Test
  @DisplayName("a token-looking value is refused before anything is written")
  void refusesTokens() {
    ClientStateStore store = new ClientStateStore(dir);
    ClientState leaky = ClientState.EMPTY.withLastGateway("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.");
    assertThatThrownBy(() -> store.save(leaky)).isInstanceOf(IllegalArgumentException.class);
    assertThat(store.file()).doesNotExist();
  }

  @Test
  @DisplayName("an unreadable file reads as empty rather than blocking a command")
  void corruptFileIsEmpty() throws Exception {
    ClientStateStore store = new ClientStateStore(dir);
    Files.writeString(store.file(), "{not json");
    assertThat(store.load()).isEqualTo(ClientState.EMPTY);
  }

  @Test
  @DisplayName("the config folder follows each OS's convention")
  void defaultFolder() {
    assertThat(ClientStateStore.defaultFolder("Linux", Map.of(), "/home/a"))
        .isEqualTo(Path.of("/home/a/.config/ferry"));
    assertThat(
            ClientStateStore.defaultFolder("Linux", Map.of("XDG_CONFIG_HOME", "/xdg"), "/home/a"))
        .isEqualTo(Path.of("/xdg/ferry"));
    assertThat(
            ClientStateStore.defaultFolder(
                "Linux", Map.of("XDG_CONFIG_HOME", "relative"), "/home/a"))
        .isEqualTo(Path.of("/home/a/.config/ferry"));
    assertThat(ClientStateStore.defaultFolder("Mac OS X", Map.of(), "/Users/a"))
        .isEqualTo(Path.of("/Users/a/Library/Application Support/Ferry"));
    assertThat(
            ClientStateStore.defaultFolder("Windows 11", Map.of("APPDATA", "/appdata"), "/home/a"))
        .isEqualTo(Path.of("/appdata", "Ferry"));
  }
}
