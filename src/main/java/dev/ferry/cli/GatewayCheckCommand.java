package dev.ferry.cli;

import dev.ferry.gateway.config.ConfigException;
import dev.ferry.gateway.config.ConfigLoader;
import dev.ferry.gateway.config.ConfigProblem;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ferry gateway check --config FILE}: validates a config, one line per problem. */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = "Validate a gateway config; exit 0 if valid, else 1 with FILE:LINE:COLUMN lines.")
final class GatewayCheckCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--config", required = true, paramLabel = "FILE", description = "gateway config")
  Path config;

  @Override
  public Integer call() {
    try {
      ConfigLoader.load(config);
    } catch (ConfigException e) {
      for (ConfigProblem p : e.problems()) {
        spec.commandLine().getErr().println(p);
      }
      return 1;
    } catch (NoSuchFileException e) {
      throw new CliFailure(1, "cannot read " + config + ": no such file");
    } catch (IOException e) {
      throw new CliFailure(1, "cannot read " + config + ": " + e.getMessage());
    }
    spec.commandLine().getOut().println(config + ": valid");
    return 0;
  }
}
