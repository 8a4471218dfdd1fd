package dev.ferry.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The top-level {@code ferry} command. Without a subcommand it opens the desktop app. */
@Command(
    name = "ferry",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Identity-aware TCP access through an HTTP-only gateway.",
    subcommands = {
      GatewayCommand.class,
      LoginCommand.class,
      LogoutCommand.class,
      ListCommand.class,
      ConnectCommand.class,
      StdioCommand.class,
      DoctorCommand.class,
      DemoCommand.class,
      DesktopCommand.class
    })
final class FerryCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    return DesktopCommand.open();
  }
}
