package dev.ferry.cli;

import dev.ferry.desktop.DesktopMain;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ferry desktop} (and plain {@code ferry}): opens the desktop app. */
@Command(
    name = "desktop",
    mixinStandardHelpOptions = true,
    description = "Open the desktop app (also what ferry without a command does).")
final class DesktopCommand implements Callable<Integer> {

  @Option(
      names = "--gateway",
      paramLabel = "URL",
      description = "offer this gateway first; default $FERRY_GATEWAY, else the last login")
  String gateway;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description = "sign in with the token in FILE (re-read when it changes) instead of a browser")
  Path tokenFile;

  @Option(
      names = "--token-command",
      paramLabel = "CMD",
      description = "sign in with tokens CMD prints (run by the shell whenever one is needed)")
  String tokenCommand;

  @Override
  public Integer call() {
    if (tokenCommand != null && tokenCommand.isBlank()) {
      throw new CliFailure(1, "--token-command must not be empty");
    }
    return open(gateway, tokenFile, tokenCommand);
  }

  /** Opens the app and returns once the user quits it; exit 1 with a reason without a display. */
  static int open() {
    return open(null, null, null);
  }

  private static int open(String gateway, Path tokenFile, String tokenCommand) {
    String why = DesktopMain.cannotShowWindow(System.getProperty("os.name", ""), System.getenv());
    if (why != null) {
      throw new CliFailure(1, why);
    }
    DesktopMain.launch(gateway, tokenFile, tokenCommand);
    return 0;
  }
}
