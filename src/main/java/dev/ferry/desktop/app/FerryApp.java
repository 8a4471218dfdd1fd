package dev.ferry.desktop.app;

import atlantafx.base.theme.PrimerDark;
import atlantafx.base.theme.PrimerLight;
import dev.ferry.client.auth.SystemBrowser;
import dev.ferry.client.discovery.GatewayBrowser;
import dev.ferry.client.history.HistoryStore;
import dev.ferry.desktop.DesktopMain;
import dev.ferry.desktop.openwith.Launcher;
import dev.ferry.desktop.settings.SettingsModel;
import dev.ferry.desktop.settings.SystemTheme;
import dev.ferry.desktop.tray.TrayController;
import java.awt.AWTException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import javafx.animation.Animation;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.scene.image.Image;
import javafx.stage.Stage;
import javafx.util.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The desktop app. Settings are read in {@link #init} (the launcher thread, not the FX thread);
 * network and disk work runs on a small IO pool; results come back with {@link Platform#runLater}.
 * A one-second timeline samples the stats while the window shows.
 */
public final class FerryApp extends Application {
  private static final Logger LOG = LoggerFactory.getLogger(FerryApp.class);
  private static final String CSS = "/dev/ferry/desktop/app/ferry.css";
  private static final String ICON = "/dev/ferry/desktop/ferry-256.png";

  private DesktopContext context;
  private ExecutorService io;
  private MainViewModel vm;
  private Timeline ticker;
  private volatile GatewayBrowser lan;
  private volatile TrayController tray;
  private Stage stage;

  /** The context the next {@link #launch(DesktopContext)} hands to the app JavaFX creates. */
  private static final AtomicReference<DesktopContext> NEXT_LAUNCH = new AtomicReference<>();

  /** The real app (Application.launch needs this constructor). */
  public FerryApp() {
    this(NEXT_LAUNCH.getAndSet(null));
  }

  /**
   * Opens the window built from {@code context} (for example {@code ferry demo}'s, with its own
   * settings folder) and returns when the user quits. Once per process, as any JavaFX launch.
   */
  public static void launch(DesktopContext context) {
    NEXT_LAUNCH.set(context);
    Application.launch(FerryApp.class);
  }

  /** An app built from {@code context} (tests). */
  public FerryApp(DesktopContext context) {
    this.context = context;
  }

  /** The view-models, for tests that check state behind the window. */
  public MainViewModel viewModel() {
    return vm;
  }

  @Override
  public void init() {
    if (context == null) {
      Map<String, String> named = getParameters() == null ? Map.of() : getParameters().getNamed();
      String tokenFile = named.get(DesktopMain.TOKEN_FILE);
      context =
          DesktopContext.forCurrentUser(
              named.get(DesktopMain.GATEWAY),
              tokenFile == null ? null : Path.of(tokenFile),
              named.get(DesktopMain.TOKEN_COMMAND));
    }
    AtomicInteger n = new AtomicInteger();
    io =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "ferry-desktop-io-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    SettingsModel settings =
        new SettingsModel(context.settingsStore(), context.settingsStore().load(), io);
    // The store opens its file on its own writer thread: nothing here touches the disk.
    HistoryStore history =
        new HistoryStore(context.dataFolder(), settings.get().historyDays(), Clock.systemUTC());
    vm =
        new MainViewModel(
            settings,
            context.services(),
            browser(),
            io,
            Platform::runLater,
            history,
            Launcher.SYSTEM);
  }

  private Consumer<URI> browser() {
    if (context.browser() != null) {
      return context.browser();
    }
    return uri -> {
      try {
        getHostServices().showDocument(uri.toString());
      } catch (RuntimeException e) {
        if (!SystemBrowser.tryOpen(uri)) {
          LOG.info("no browser could be opened; the app shows the sign-in link");
        }
      }
    };
  }

  @Override
  public void start(Stage stage) {
    if (vm == null) {
      init(); // FxToolkit.setupApplication runs init too; a plain start() call does not
    }
    vm.look().darkProperty().addListener((o, was, dark) -> theme(dark));
    theme(vm.look().darkProperty().get());
    if (context.detectSystemTheme()) {
      io.execute(
          () -> {
            boolean dark = SystemTheme.prefersDark();
            Platform.runLater(() -> vm.look().systemDarkProperty().set(dark));
          });
    }
    Scene scene = new Scene(new MainView(vm), 1240, 780);
    scene.getStylesheets().add(FerryApp.class.getResource(CSS).toExternalForm());
    this.stage = stage;
    stage.setTitle("Ferry");
    stage.getIcons().add(new Image(FerryApp.class.getResource(ICON).toExternalForm()));
    stage.setMinWidth(900);
    stage.setMinHeight(560);
    stage.setScene(scene);

    ticker = new Timeline(new KeyFrame(Duration.seconds(1), e -> vm.tick(Instant.now())));
    ticker.setCycleCount(Animation.INDEFINITE);
    stage
        .showingProperty()
        .addListener(
            (o, was, showing) -> {
              if (showing) {
                ticker.play();
              } else {
                ticker.stop();
                if (vm.tray().keepsRunningOnClose()) {
                  vm.tray().windowClosedToTray();
                }
              }
            });
    stage.show();

    vm.start(context.extraGateways());
    if (context.discovery()) {
      io.execute(this::browseLan);
    }
    io.execute(this::installTray);
  }

  /**
   * Puts Ferry's icon in the tray, off the FX thread (AWT's toolkit loads here). Where there is no
   * tray the window says so once and closing it quits as before.
   */
  private void installTray() {
    String why = TrayController.unsupported();
    TrayController t = null;
    if (why == null) {
      try {
        t = TrayController.install(Platform::runLater, c -> vm.tray().run(c), this::showWindow);
      } catch (AWTException | RuntimeException e) {
        why = e.toString();
      }
    }
    if (t == null) {
      LOG.info("no tray icon: {}", why);
      Platform.runLater(() -> vm.tray().unavailable());
      return;
    }
    TrayController installed = t;
    tray = installed;
    Platform.runLater(
        () -> {
          vm.tray().attach(installed, this::showWindow, Platform::exit);
          Runnable implicitExit = () -> Platform.setImplicitExit(!vm.tray().keepsRunningOnClose());
          vm.tray().keepInTrayProperty().addListener((o, was, now) -> implicitExit.run());
          implicitExit.run();
        });
  }

  private void showWindow() {
    stage.show();
    stage.setIconified(false);
    stage.toFront();
  }

  private void browseLan() {
    GatewayBrowser b =
        GatewayBrowser.start(
            null,
            g -> Platform.runLater(() -> vm.gateways().discovered(g)),
            g -> Platform.runLater(() -> vm.gateways().lost(g)));
    if (!b.active()) {
      LOG.info("not looking for gateways on the LAN: {}", b.reason());
    }
    lan = b;
  }

  private static void theme(boolean dark) {
    Application.setUserAgentStylesheet(
        dark
            ? new PrimerDark().getUserAgentStylesheet()
            : new PrimerLight().getUserAgentStylesheet());
  }

  @Override
  public void stop() {
    if (ticker != null) {
      ticker.stop();
    }
    if (vm != null) {
      vm.tray().quitting();
    }
    TrayController t = tray;
    if (t != null) {
      t.close();
    }
    if (vm != null) {
      vm.close();
    }
    GatewayBrowser b = lan;
    if (b != null) {
      b.close();
    }
    if (io != null) {
      io.shutdownNow();
      try {
        io.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
