package dev.ferry.gateway.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

/** Reads a proxy's {@code limits:}; what is left out keeps its {@link Limits#defaults()} value. */
final class LimitsReader {
  static final List<String> KEYS =
      List.of(
          "maxSessions",
          "maxSessionsPerUser",
          "idleTimeout",
          "maxDuration",
          "connectTimeout",
          "endWithToken",
          "resumeWindow");

  /** A longer window would hold upstream connections of vanished clients for too long. */
  static final Duration MAX_RESUME_WINDOW = Duration.ofHours(1);

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
        m.bool("endWithToken").orElse(defaults.endWithToken()),
        resumeWindow(m).orElse(defaults.resumeWindow()));
  }

  /** Like the other durations, but {@code 0} (with or without a unit) turns resume off. */
  private Optional<Duration> resumeWindow(YamlMapping m) {
    Optional<Node> node = m.value("resumeWindow");
    if (node.isPresent()
        && node.get() instanceof ScalarNode scalar
        && scalar.getValue().matches("0+(ms|s|m|h)?")) {
      return Optional.of(Duration.ZERO);
    }
    Optional<Duration> window = m.duration("resumeWindow");
    if (window.isPresent() && window.get().compareTo(MAX_RESUME_WINDOW) > 0) {
      reader
          .problems()
          .at(
              node.orElseThrow(),
              m.path("resumeWindow")
                  + " must be at most 1h (0 turns resume off), got "
                  + ((ScalarNode) node.get()).getValue());
      return Optional.empty();
    }
    return window;
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
