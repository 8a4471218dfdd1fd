package dev.ferry.gateway.config;

import java.nio.file.Path;

/** PEM certificate chain and PKCS#8 private key the gateway serves HTTPS/WSS with. */
public record TlsSettings(Path cert, Path key) {}
