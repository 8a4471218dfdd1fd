package dev.ferry.gateway.config;

import java.util.List;

/**
 * The {@code gateway:} section.
 *
 * @param name shown to clients
 * @param bind address to bind, default 0.0.0.0
 * @param port configured port (default 8080); the command line and $PORT override it
 * @param publicUrl optional public URL, null when not set
 * @param tls optional TLS settings, null when the gateway speaks plain HTTP
 * @param allowedOrigins browser origins allowed to open tunnels
 */
public record ServerSettings(
    String name,
    String bind,
    int port,
    String publicUrl,
    TlsSettings tls,
    List<String> allowedOrigins) {

  public ServerSettings {
    allowedOrigins = List.copyOf(allowedOrigins);
  }
}
