package dev.ferry.desktop.app;

import dev.ferry.client.auth.ClientStateStore;
import dev.ferry.client.auth.RefreshTokenStore;
import dev.ferry.client.auth.RefreshTokenStores;
import dev.ferry.client.auth.TokenSource;
import dev.ferry.client.auth.TokenSources;
import dev.ferry.client.history.HistoryStore;
import dev.ferry.client.net.ProxySettings;
import dev.ferry.desktop.gateways.CoreGatewayService;
import dev.ferry.desktop.gateways.GatewayService;
import dev.ferry.desktop.settings.SettingsStore;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.LoggerFactory;

/**
 * What the app is built from: where settings live, how a gateway's service is made, how a URL is
 * shown to the user, and whether to browse the LAN or ask the OS for its theme. Tests build their
 * own; {@link #forCurrentUser} is the real app's.
 *
 * @param browser shows the sign-in page; null means the system browser (HostServices, then {@code
 *     xdg-open}/{@code open}/{@code rundll32})
 * @param extraGateways gateways to offer besides the remembered ones (the CLI's last login)
 * @param dataFolder where the connection history is kept (the user's data folder in the app)
 */
public record DesktopContext(
    SettingsStore settingsStore,
    Function<String, GatewayService> services,
    Consumer<URI> browser,
    boolean discovery,
    boolean detectSystemTheme,
    List<String> extraGateways,
    Path dataFolder) {

  public DesktopContext {
    extraGateways = List.copyOf(extraGateways);
  }

  /** A context whose history lives beside the settings (tests pass a temp folder for both). */
  public DesktopContext(
      SettingsStore settingsStore,
      Function<String, GatewayService> services,
      Consumer<URI> browser,
      boolean discovery,
      boolean detectSystemTheme,
      List<String> extraGateways) {
    this(
        settingsStore,
        services,
        browser,
        discovery,
        detectSystemTheme,
        extraGateways,
        settingsStore.file().getParent());
  }

  /** The real app: the user's config folder, the OS keychain, the LAN, the system theme. */
  public static DesktopContext forCurrentUser() {
    return forCurrentUser(null, null, null);
  }

  /**
   * The real app with the CLI's client options: {@code gateway} (else {@code $FERRY_GATEWAY}, else
   * the CLI's last login) is offered first; the token comes, as for the CLI, from {@code
   * tokenFile}, else {@code tokenCommand}, else {@code $FERRY_TOKEN}, else the browser sign-in.
   */
  public static DesktopContext forCurrentUser(String gateway, Path tokenFile, String tokenCommand) {
    TokenSource external =
        TokenSources.resolve(tokenFile, tokenCommand, System.getenv(), () -> null);
    Supplier<RefreshTokenStore> store = memoize(RefreshTokenStores::system);
    ClientStateStore clientState = ClientStateStore.forCurrentUser();
    String caEnv = System.getenv("FERRY_CA_FILE");
    Path ca = caEnv == null || caEnv.isBlank() ? null : Path.of(caEnv);
    // HTTPS_PROXY & co. when set, else the OS proxy settings (DesktopMain turned them on).
    ProxySettings proxies = desktopProxies();
    List<String> extra = new ArrayList<>();
    if (gateway != null && !gateway.isBlank()) {
      extra.add(gateway);
    }
    String envGateway = System.getenv("FERRY_GATEWAY");
    if (envGateway != null && !envGateway.isBlank()) {
      extra.add(envGateway);
    }
    String last = clientState.load().lastGateway();
    if (last != null) {
      extra.add(last);
    }
    return new DesktopContext(
        SettingsStore.forCurrentUser(),
        url -> new CoreGatewayService(url, store, clientState, ca, external, proxies),
        null,
        true,
        true,
        extra,
        HistoryStore.currentUserFolder());
  }

  private static ProxySettings desktopProxies() {
    try {
      return ProxySettings.withSystemFallback(System.getenv());
    } catch (IllegalArgumentException e) {
      LoggerFactory.getLogger(DesktopContext.class).warn("{}; connecting directly", e.getMessage());
      return ProxySettings.withSystemFallback(Map.of());
    }
  }

  static <T> Supplier<T> memoize(Supplier<T> s) {
    return new Supplier<>() {
      private T value;

      @Override
      public synchronized T get() {
        if (value == null) {
          value = s.get();
        }
        return value;
      }
    };
  }
}
