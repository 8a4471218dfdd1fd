package dev.ferry.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.gateway.audit.AuditRecord;
import dev.ferry.gateway.audit.AuditSink;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An audit sink that remembers which tunnels are open right now, per proxy: what demo-web shows to
 * say who is looking at it. The gateway writes {@code session.start} before it relays the first
 * byte, so by the time a request reaches demo-web, its session is already here. Thread-safe;
 * bounded (sessions that never end are forgotten past {@link #MAX_OPEN}).
 */
final class SessionFeed implements AuditSink {
  static final int MAX_OPEN = 256;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One open tunnel, as the gateway's audit log tells it. */
  record OpenSession(String id, String user, String proxy, String clientIp, Instant since) {}

  private final Map<String, OpenSession> open = new LinkedHashMap<>();

  @Override
  public void write(String line) {
    JsonNode n;
    try {
      n = JSON.readTree(line);
    } catch (IOException e) {
      return;
    }
    String event = n.path("event").asText();
    String id = n.path("sessionId").asText();
    synchronized (open) {
      if (AuditRecord.START.equals(event)) {
        open.put(
            id,
            new OpenSession(
                id,
                n.path("user").asText(),
                n.path("proxy").asText(),
                n.path("clientIp").asText(),
                Instant.parse(n.path("ts").asText())));
        while (open.size() > MAX_OPEN) {
          open.remove(open.keySet().iterator().next());
        }
      } else if (AuditRecord.END.equals(event)) {
        open.remove(id);
      }
    }
  }

  /** The tunnels to {@code proxy} open now, oldest first. */
  List<OpenSession> open(String proxy) {
    List<OpenSession> out = new ArrayList<>();
    synchronized (open) {
      for (OpenSession s : open.values()) {
        if (s.proxy().equals(proxy)) {
          out.add(s);
        }
      }
    }
    return out;
  }
}
