package dev.ferry.gateway.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.gateway.config.AuditSettings;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes audit events as JSON lines to every sink. Lines are small and written synchronously (also
 * from event loops): an audit record that is lost because the process died right after a session
 * ended would be worse than the microseconds it costs.
 */
public final class AuditLog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Clock clock;
  private final List<AuditSink> sinks;

  public AuditLog(Clock clock, List<AuditSink> sinks) {
    this.clock = clock;
    this.sinks = List.copyOf(sinks);
  }

  /**
   * The gateway's usual audit log: {@code stdout} (the CLI passes System.out) plus the configured
   * file, appended to, when {@code settings.file()} is set.
   */
  public static AuditLog create(AuditSettings settings, OutputStream stdout, Clock clock)
      throws IOException {
    AuditSink out = streamSink(stdout);
    if (settings == null || settings.file() == null) {
      return new AuditLog(clock, List.of(out));
    }
    return new AuditLog(clock, List.of(out, fileSink(settings.file())));
  }

  /** A sink writing to a stream that stays open (stdout). */
  public static AuditSink streamSink(OutputStream stream) {
    Writer writer = new OutputStreamWriter(stream, StandardCharsets.UTF_8);
    return line -> {
      synchronized (writer) {
        try {
          writer.write(line);
          writer.write('\n');
          writer.flush();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
  }

  /** A sink appending to a file, flushed per line. */
  public static AuditSink fileSink(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    BufferedWriter writer =
        Files.newBufferedWriter(
            file,
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND,
            StandardOpenOption.WRITE);
    return new AuditSink() {
      @Override
      public void write(String line) {
        synchronized (writer) {
          try {
            writer.write(line);
            writer.newLine();
            writer.flush();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      }

      @Override
      public void close() {
        synchronized (writer) {
          try {
            writer.close();
          } catch (IOException e) {
            log.warn("closing audit file {}: {}", file, e.toString());
          }
        }
      }
    };
  }

  public Clock clock() {
    return clock;
  }

  public void write(AuditRecord record) {
    String line = toJson(record);
    for (AuditSink sink : sinks) {
      try {
        sink.write(line);
      } catch (RuntimeException e) {
        log.error("audit sink failed, record was {}: {}", line, e.toString());
      }
    }
  }

  static String toJson(AuditRecord r) {
    ObjectNode node = JSON.createObjectNode();
    node.put("ts", r.ts().toString());
    node.put("event", r.event());
    node.put("sessionId", r.sessionId());
    node.put("user", r.user());
    node.put("proxy", r.proxy());
    node.put("target", r.target());
    node.put("clientIp", r.clientIp());
    node.put("bytesUp", r.bytesUp());
    node.put("bytesDown", r.bytesDown());
    node.put("durationMs", r.durationMs());
    node.put("reason", r.reason());
    if (r.clientInstance() != null) {
      node.put("clientInstance", r.clientInstance());
    }
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    sinks.forEach(AuditSink::close);
  }
}
