package dev.ferry.client.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ferry.client.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Keeps {@link ClientState} as {@value #FILE_NAME} in the user's config folder. Writes go to a temp
 * file that is then renamed over the old one, so a crash never leaves half a file.
 */
public final class ClientStateStore {

  static final String FILE_NAME = "client.json";

  // Three base64url segments, the first starting like a JOSE header: a JWT by its looks.
  private static final Pattern JWT_LIKE =
      Pattern.compile("eyJ[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path folder;

  /**
   * @param folder where client.json lives; tests pass a temp folder
   */
  public ClientStateStore(Path folder) {
    this.folder = folder;
  }

  /** The store in this user's config folder (see {@link #defaultFolder}). */
  public static ClientStateStore forCurrentUser() {
    return new ClientStateStore(
        defaultFolder(
            System.getProperty("os.name", ""), System.getenv(), System.getProperty("user.home")));
  }

  /**
   * {@code %APPDATA%\Ferry} on Windows, {@code ~/Library/Application Support/Ferry} on macOS, else
   * {@code $XDG_CONFIG_HOME/ferry} or {@code ~/.config/ferry}.
   */
  static Path defaultFolder(String osName, Map<String, String> env, String home) {
    String os = osName.toLowerCase(Locale.ROOT);
    if (os.contains("win")) {
      String appData = env.get("APPDATA");
      return appData != null && !appData.isBlank()
          ? Path.of(appData, "Ferry")
          : Path.of(home, "AppData", "Roaming", "Ferry");
    }
    if (os.contains("mac")) {
      return Path.of(home, "Library", "Application Support", "Ferry");
    }
    String xdg = env.get("XDG_CONFIG_HOME");
    // The XDG spec says to ignore a relative XDG_CONFIG_HOME.
    return xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
        ? Path.of(xdg, "ferry")
        : Path.of(home, ".config", "ferry");
  }

  public Path file() {
    return folder.resolve(FILE_NAME);
  }

  /**
   * The saved state, or {@link ClientState#EMPTY} when there is none. An unreadable file also reads
   * as empty: this is convenience state, and losing it must not block a command.
   */
  public ClientState load() {
    try {
      ClientState state = JSON.readValue(file().toFile(), ClientState.class);
      return state == null ? ClientState.EMPTY : state;
    } catch (IOException e) {
      return ClientState.EMPTY;
    }
  }

  public void save(ClientState state) throws IOException {
    refuseTokens(state);
    AtomicFiles.write(file(), JSON.writeValueAsBytes(state));
  }

  /** A guard against a future field or a mix-up putting a token in a plain file. */
  private static void refuseTokens(ClientState state) {
    boolean tokenLike =
        Stream.of(state.lastGateway(), state.lastIssuer(), state.lastClientId())
            .anyMatch(value -> value != null && JWT_LIKE.matcher(value).find());
    if (tokenLike) {
      throw new IllegalArgumentException("client state must not contain a token");
    }
  }
}
