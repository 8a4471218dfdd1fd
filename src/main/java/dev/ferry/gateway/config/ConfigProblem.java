package dev.ferry.gateway.config;

/** One validation error with its position; prints as {@code FILE:LINE:COLUMN: message}. */
public record ConfigProblem(String file, int line, int column, String message) {
  @Override
  public String toString() {
    return file + ":" + line + ":" + column + ": " + message;
  }
}
