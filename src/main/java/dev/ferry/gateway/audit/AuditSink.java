package dev.ferry.gateway.audit;

/** Where audit lines go: stdout, a file, a list in a test. Must be thread-safe. */
@FunctionalInterface
public interface AuditSink {

  /** Writes one JSON line (without its line break) and makes it durable before returning. */
  void write(String line);

  default void close() {}
}
