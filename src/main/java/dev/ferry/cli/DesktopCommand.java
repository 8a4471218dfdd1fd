package dev.ferry.cli;

import dev.ferry.desktop.DesktopMain;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code ferry desktop} (and plain {@code ferry}): opens the desktop app. */
@Command(
    name = "desktop",
    mixinStandardHelpOptions = true,
    description = "Open the desktop app (also what ferry without a command does).")
final class DesktopCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    return open();
  }

  /** Opens the app and returns once the user quits it; exit 1 with a reason without a display. */
  static int open() {
    String why = DesktopMain.cannotShowWindow(System.getProperty("os.name", ""), System.getenv());
    if (why != null) {
      throw new CliFailure(1, why);
    }
    DesktopMain.launch();
    return 0;
  }
}
