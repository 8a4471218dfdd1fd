package dev.ferry.gateway.config;

import java.nio.file.Path;

/** Audit output: always stdout, plus {@code file} (JSON lines) when not null. */
public record AuditSettings(Path file) {}
