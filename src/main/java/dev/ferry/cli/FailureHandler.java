package dev.ferry.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/** Prints every failure as one line naming the reason and maps it to its exit code. */
final class FailureHandler implements IExecutionExceptionHandler {
  static final int USAGE = 1;

  @Override
  public int handleExecutionException(Exception ex, CommandLine cl, ParseResult parsed) {
    if (ex instanceof CliFailure f) {
      cl.getErr().println("ferry: " + f.getMessage());
      return f.exitCode();
    }
    cl.getErr().println("ferry: " + oneLine(ex));
    return USAGE;
  }

  static int usage(ParameterException ex, String[] args) {
    CommandLine cl = ex.getCommandLine();
    cl.getErr().println("ferry: " + ex.getMessage());
    cl.getErr()
        .println(
            "try: ferry "
                + cl.getCommandSpec().qualifiedName(" ").replaceFirst("^ferry ?", "")
                + " --help");
    return USAGE;
  }

  private static String oneLine(Throwable t) {
    String msg = t.getMessage();
    return (msg == null ? t.getClass().getSimpleName() : msg).replaceAll("[\\r\\n]+", " ");
  }
}
