package dev.ferry.gateway.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/** Reads the {@code proxies:} list. */
final class ProxiesReader {
  static final List<String> KEYS =
      List.of("name", "description", "target", "kind", "tags", "allow", "limits", "allowLinkLocal");
  static final List<String> ALLOW_KEYS = List.of("users", "groups");

  private static final Pattern NAME = Pattern.compile("[a-z0-9-]+");
  private static final String DEFAULT_KIND = "tcp";

  private final NodeReader reader;
  private final LimitsReader limitsReader;
  private final Map<String, Node> seenNames = new HashMap<>();

  ProxiesReader(NodeReader reader) {
    this.reader = reader;
    this.limitsReader = new LimitsReader(reader);
  }

  List<ProxyConfig> read(Optional<Node> section) {
    List<ProxyConfig> proxies = new ArrayList<>();
    Optional<List<Node>> items = section.flatMap(n -> reader.sequence(n, "proxies"));
    if (items.isPresent()) {
      for (int i = 0; i < items.get().size(); i++) {
        reader
            .mapping(items.get().get(i), "proxies[" + i + "]", KEYS)
            .flatMap(this::proxy)
            .ifPresent(proxies::add);
      }
    }
    return proxies;
  }

  private Optional<ProxyConfig> proxy(YamlMapping m) {
    // Every key is read before combining, so all of a proxy's mistakes are reported together.
    Optional<String> name = m.requiredString("name").filter(n -> isValidName(m, n));
    Optional<Target> target = m.requiredString("target").flatMap(t -> target(m, t));
    String description = m.string("description").orElse("");
    String kind = kind(m);
    List<String> tags = m.stringList("tags").orElse(List.of());
    Optional<AccessRule> allow = allow(m);
    Limits limits = limitsReader.read(m.mapping("limits", LimitsReader.KEYS));
    boolean allowLinkLocal = m.bool("allowLinkLocal").orElse(false);
    if (name.isEmpty() || target.isEmpty() || allow.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new ProxyConfig(
            name.get(),
            description,
            target.get(),
            kind,
            tags,
            allow.get(),
            limits,
            allowLinkLocal));
  }

  private boolean isValidName(YamlMapping m, String name) {
    Node node = m.value("name").orElseThrow();
    if (!NAME.matcher(name).matches()) {
      reader.problems().at(node, m.path("name") + " must match [a-z0-9-]+, got '" + name + "'");
      return false;
    }
    Node first = seenNames.putIfAbsent(name, node);
    if (first != null) {
      int line = first.getStartMark().getLine() + 1;
      reader
          .problems()
          .at(node, "duplicate proxy name '" + name + "' (first at line " + line + ")");
      return false;
    }
    return true;
  }

  private Optional<Target> target(YamlMapping m, String text) {
    try {
      return Optional.of(Target.parse(text));
    } catch (IllegalArgumentException e) {
      reader
          .problems()
          .at(m.value("target").orElseThrow(), m.path("target") + " " + e.getMessage());
      return Optional.empty();
    }
  }

  private String kind(YamlMapping m) {
    Optional<String> kind = m.string("kind");
    if (kind.isPresent() && !ProxyConfig.KINDS.contains(kind.get())) {
      reader
          .problems()
          .at(
              m.value("kind").orElseThrow(),
              m.path("kind")
                  + " must be one of "
                  + String.join(", ", ProxyConfig.KINDS)
                  + ", got '"
                  + kind.get()
                  + "'");
      return DEFAULT_KIND;
    }
    return kind.orElse(DEFAULT_KIND);
  }

  private Optional<AccessRule> allow(YamlMapping m) {
    Optional<YamlMapping> allow =
        m.required("allow").flatMap(n -> reader.mapping(n, m.path("allow"), ALLOW_KEYS));
    if (allow.isEmpty()) {
      return Optional.empty();
    }
    Optional<List<String>> users = allow.get().stringList("users");
    Optional<List<String>> groups = allow.get().stringList("groups");
    if (!listsSomeone(allow.get(), "users") && !listsSomeone(allow.get(), "groups")) {
      // Deny-by-default makes an empty rule harmless but useless: almost surely a mistake.
      reader.problems().at(m.key("allow").orElseThrow(), "allow lists no users or groups");
      return Optional.empty();
    }
    return Optional.of(
        new AccessRule(Set.copyOf(users.orElse(List.of())), Set.copyOf(groups.orElse(List.of()))));
  }

  /** Judged on the YAML, not the read values: a bad entry is already reported on its own. */
  private static boolean listsSomeone(YamlMapping allow, String key) {
    return allow
        .value(key)
        .map(n -> !(n instanceof SequenceNode list) || !list.getValue().isEmpty())
        .orElse(false);
  }
}
