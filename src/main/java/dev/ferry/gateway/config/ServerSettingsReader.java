package dev.ferry.gateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.yaml.snakeyaml.nodes.Node;

/** Reads the {@code gateway:} section; every key is optional. */
final class ServerSettingsReader {
  static final List<String> KEYS =
      List.of(
          "name",
          "bind",
          "port",
          "publicUrl",
          "tls",
          "allowedOrigins",
          "handshakeTimeout",
          "maxPendingHandshakes");
  static final List<String> TLS_KEYS = List.of("cert", "key");

  static final String DEFAULT_NAME = "ferry";
  static final String DEFAULT_BIND = "0.0.0.0";
  static final int DEFAULT_PORT = 8080;
  static final Duration MIN_HANDSHAKE_TIMEOUT = Duration.ofMillis(100);
  static final Duration MAX_HANDSHAKE_TIMEOUT = Duration.ofMinutes(5);
  static final int MAX_PENDING_LIMIT = 100_000;

  private final NodeReader reader;

  ServerSettingsReader(NodeReader reader) {
    this.reader = reader;
  }

  ServerSettings read(Optional<Node> section) {
    Optional<YamlMapping> gateway = section.flatMap(n -> reader.mapping(n, "gateway", KEYS));
    if (gateway.isEmpty()) {
      return new ServerSettings(DEFAULT_NAME, DEFAULT_BIND, DEFAULT_PORT, null, null, List.of());
    }
    YamlMapping m = gateway.get();
    return new ServerSettings(
        m.string("name").orElse(DEFAULT_NAME),
        m.string("bind").orElse(DEFAULT_BIND),
        port(m),
        publicUrl(m),
        tls(m),
        m.stringList("allowedOrigins").orElse(List.of()),
        handshakeTimeout(m),
        maxPendingHandshakes(m));
  }

  private Duration handshakeTimeout(YamlMapping m) {
    Optional<Duration> d = m.duration("handshakeTimeout");
    if (d.isPresent()
        && (d.get().compareTo(MIN_HANDSHAKE_TIMEOUT) < 0
            || d.get().compareTo(MAX_HANDSHAKE_TIMEOUT) > 0)) {
      reader
          .problems()
          .at(
              m.value("handshakeTimeout").orElseThrow(),
              "gateway.handshakeTimeout must be between 100ms and 5m, got "
                  + Durations.format(d.get()));
      return ServerSettings.DEFAULT_HANDSHAKE_TIMEOUT;
    }
    return d.orElse(ServerSettings.DEFAULT_HANDSHAKE_TIMEOUT);
  }

  private int maxPendingHandshakes(YamlMapping m) {
    Optional<Integer> n = m.integer("maxPendingHandshakes");
    if (n.isPresent() && (n.get() < 1 || n.get() > MAX_PENDING_LIMIT)) {
      reader
          .problems()
          .at(
              m.value("maxPendingHandshakes").orElseThrow(),
              "gateway.maxPendingHandshakes must be between 1 and "
                  + MAX_PENDING_LIMIT
                  + ", got "
                  + n.get());
      return ServerSettings.DEFAULT_MAX_PENDING_HANDSHAKES;
    }
    return n.orElse(ServerSettings.DEFAULT_MAX_PENDING_HANDSHAKES);
  }

  private int port(YamlMapping m) {
    Optional<Integer> port = m.integer("port");
    if (port.isPresent() && (port.get() < 1 || port.get() > 65535)) {
      reader
          .problems()
          .at(
              m.value("port").orElseThrow(),
              "gateway.port must be between 1 and 65535, got " + port.get());
    }
    return port.orElse(DEFAULT_PORT);
  }

  private String publicUrl(YamlMapping m) {
    Optional<String> url = m.string("publicUrl");
    url.flatMap(HttpUrls::publicUrlProblem)
        .ifPresent(
            problem ->
                reader
                    .problems()
                    .at(
                        m.value("publicUrl").orElseThrow(),
                        "gateway.publicUrl " + problem + ", got '" + url.get() + "'"));
    return url.orElse(null);
  }

  private TlsSettings tls(YamlMapping m) {
    Optional<YamlMapping> tls = m.mapping("tls", TLS_KEYS);
    if (tls.isEmpty()) {
      return null;
    }
    // Both are read before combining so a missing cert and a missing key are both reported.
    var cert = tls.get().required("cert").flatMap(n -> reader.path(n, "gateway.tls.cert"));
    var key = tls.get().required("key").flatMap(n -> reader.path(n, "gateway.tls.key"));
    return cert.isPresent() && key.isPresent() ? new TlsSettings(cert.get(), key.get()) : null;
  }
}
