package dev.ferry.cli;

import dev.ferry.tunnel.TunnelError;

/** A command failed for a reason the user should read: one line, one exit code (DESIGN §2). */
public final class CliFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int exitCode;

  public CliFailure(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  public CliFailure(TunnelError error, String message) {
    this(error.exitCode(), message);
  }

  public int exitCode() {
    return exitCode;
  }
}
