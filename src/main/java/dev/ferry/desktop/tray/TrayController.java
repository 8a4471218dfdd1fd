package dev.ferry.desktop.tray;

import java.awt.AWTException;
import java.awt.CheckboxMenuItem;
import java.awt.EventQueue;
import java.awt.GraphicsEnvironment;
import java.awt.MenuItem;
import java.awt.PopupMenu;
import java.awt.SystemTray;
import java.awt.TrayIcon;
import java.awt.event.MouseAdapter;
import java.awt.event.MouseEvent;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tray icon: AWT's {@link SystemTray}, the app's only AWT code besides {@link FerryIcon}. It
 * bridges two threads: the menu is built on AWT's event thread from {@link TrayMenu.Item}s that the
 * UI thread computed; a chosen item's command goes back to the UI thread through {@code ui}.
 * Nothing here reads the app's state.
 */
public final class TrayController implements TrayViewModel.Port, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TrayController.class);

  private final TrayIcon icon;
  private final Executor ui;
  private final Consumer<TrayMenu.Command> commands;

  private TrayController(TrayIcon icon, Executor ui, Consumer<TrayMenu.Command> commands) {
    this.icon = icon;
    this.ui = ui;
    this.commands = commands;
  }

  /**
   * Why there is no tray here, or null when there is one. Loads AWT's toolkit: call it off the UI
   * thread.
   */
  public static String unsupported() {
    if (GraphicsEnvironment.isHeadless()) {
      return "headless (java.awt.headless is true)";
    }
    try {
      return SystemTray.isSupported() ? null : "the desktop has no system tray";
    } catch (RuntimeException | LinkageError e) {
      return "AWT failed: " + e;
    }
  }

  /**
   * Adds Ferry's icon to the tray. Call off the UI thread, after {@link #unsupported()} said null;
   * {@code commands} runs on {@code ui}; a double click on the icon runs {@code onActivate} there
   * too.
   *
   * @throws AWTException when the tray refused the icon
   */
  public static TrayController install(
      Executor ui, Consumer<TrayMenu.Command> commands, Runnable onActivate) throws AWTException {
    SystemTray tray = SystemTray.getSystemTray();
    java.awt.Dimension d = tray.getTrayIconSize();
    int size = Math.max(16, Math.min(d.width, d.height));
    TrayIcon icon = new TrayIcon(FerryIcon.image(size * 2), "Ferry");
    icon.setImageAutoSize(true);
    TrayController c = new TrayController(icon, ui, commands);
    icon.setPopupMenu(new PopupMenu());
    icon.addActionListener(e -> ui.execute(onActivate)); // double click (or Enter) on the icon
    icon.addMouseListener(
        new MouseAdapter() {
          @Override
          public void mouseClicked(MouseEvent e) {
            if (e.getButton() == MouseEvent.BUTTON1 && e.getClickCount() == 1) {
              ui.execute(onActivate);
            }
          }
        });
    tray.add(icon);
    return c;
  }

  @Override
  public void show(List<TrayMenu.Item> items, String tooltip) {
    EventQueue.invokeLater(
        () -> {
          PopupMenu menu = icon.getPopupMenu();
          menu.removeAll();
          for (TrayMenu.Item item : items) {
            menu.add(menuItem(item));
          }
          icon.setToolTip(tooltip);
        });
  }

  private MenuItem menuItem(TrayMenu.Item item) {
    if (item instanceof TrayMenu.Separator) {
      return new MenuItem("-"); // AWT's separator
    }
    if (item instanceof TrayMenu.Header h) {
      MenuItem m = new MenuItem(h.label());
      m.setEnabled(false);
      return m;
    }
    if (item instanceof TrayMenu.Toggle t) {
      CheckboxMenuItem m = new CheckboxMenuItem(t.label(), t.checked());
      m.addItemListener(e -> ui.execute(() -> commands.accept(t.command())));
      return m;
    }
    TrayMenu.Action a = (TrayMenu.Action) item;
    MenuItem m = new MenuItem(a.label());
    m.addActionListener(e -> ui.execute(() -> commands.accept(a.command())));
    return m;
  }

  @Override
  public void notify(String title, String text, boolean warning) {
    EventQueue.invokeLater(
        () ->
            icon.displayMessage(
                title, text, warning ? TrayIcon.MessageType.WARNING : TrayIcon.MessageType.INFO));
  }

  /** Removes the icon (on quit): AWT's event thread may end and the JVM exit. */
  @Override
  public void close() {
    try {
      EventQueue.invokeAndWait(() -> SystemTray.getSystemTray().remove(icon));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.lang.reflect.InvocationTargetException e) {
      LOG.debug("could not remove the tray icon", e);
    }
  }
}
