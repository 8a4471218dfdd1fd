package dev.ferry.cli;

import picocli.CommandLine;

/** Entry point of {@code ferry}: every command of DESIGN §2. */
public final class FerryMain {
  private FerryMain() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs one command line and returns its exit code (tests call this in-process). */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new FerryCommand());
    cl.setExecutionExceptionHandler(new FailureHandler());
    cl.setParameterExceptionHandler(FailureHandler::usage);
    return cl.execute(args);
  }
}
