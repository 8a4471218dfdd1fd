package dev.ferry.gateway.config;

import java.util.List;
import java.util.Optional;

/** Reads a proxy's {@code limits:}; what is left out keeps its {@link Limits#defaults()} value. */
final class LimitsReader {
  static final List<String> KEYS =
      List.of(
          "maxSessions",
          "maxSessionsPerUser",
          "idleTimeout",
          "maxDuration",
          "connectTimeout",
          "endWithToken");

  private final NodeReader reader;

  LimitsReader(NodeReader reader) {
    this.reader = reader;
  }

  Limits read(Optional<YamlMapping> limits) {
    Limits defaults = Limits.defaults();
    if (limits.isEmpty()) {
      return defaults;
    }
    YamlMapping m = limits.get();
    return new Limits(
        sessionCap(m, "maxSessions"),
        sessionCap(m, "maxSessionsPerUser"),
        m.duration("idleTimeout").orElse(defaults.idleTimeout()),
        m.duration("maxDuration").orElse(defaults.maxDuration()),
        m.duration("connectTimeout").orElse(defaults.connectTimeout()),
        m.bool("endWithToken").orElse(defaults.endWithToken()));
  }

  /** 0 means no cap, as does leaving the key out. */
  private int sessionCap(YamlMapping m, String key) {
    Optional<Integer> cap = m.integer(key);
    if (cap.isPresent() && cap.get() < 0) {
      reader
          .problems()
          .at(m.value(key).orElseThrow(), m.path(key) + " must not be negative, got " + cap.get());
      return 0;
    }
    return cap.orElse(0);
  }
}
