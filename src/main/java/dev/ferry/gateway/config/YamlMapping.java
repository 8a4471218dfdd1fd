package dev.ferry.gateway.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * One YAML mapping whose keys were checked on construction: unknown, repeated and non-string keys
 * are reported there, once, so lookups need not care. SnakeYAML's composer keeps duplicate keys
 * (only its constructor rejects them), which lets us report each one with its own position.
 */
final class YamlMapping {
  private final MappingNode node;
  private final String path;
  private final NodeReader reader;
  private final Map<String, NodeTuple> entries = new LinkedHashMap<>();

  YamlMapping(MappingNode node, String path, List<String> allowedKeys, NodeReader reader) {
    this.node = node;
    this.path = path;
    this.reader = reader;
    Problems problems = reader.problems();
    for (NodeTuple tuple : node.getValue()) {
      if (!(tuple.getKeyNode() instanceof ScalarNode keyNode) || NodeReader.isNull(keyNode)) {
        problems.at(tuple.getKeyNode(), "keys" + where() + " must be plain names");
        continue;
      }
      String key = keyNode.getValue();
      if (!allowedKeys.contains(key)) {
        problems.at(
            keyNode,
            "unknown key '"
                + key
                + "'"
                + where()
                + "; allowed keys: "
                + String.join(", ", allowedKeys));
      } else if (entries.containsKey(key)) {
        int firstLine = entries.get(key).getKeyNode().getStartMark().getLine() + 1;
        problems.at(
            keyNode,
            "duplicate key '" + key + "'" + where() + " (first at line " + firstLine + ")");
      } else {
        entries.put(key, tuple);
      }
    }
  }

  MappingNode node() {
    return node;
  }

  /** The dotted path of a key of this mapping, as used in messages. */
  String path(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  Optional<Node> key(String key) {
    return Optional.ofNullable(entries.get(key)).map(NodeTuple::getKeyNode);
  }

  /** The value of {@code key}; empty when the key is absent or its value is empty. */
  Optional<Node> value(String key) {
    NodeTuple tuple = entries.get(key);
    if (tuple == null || NodeReader.isNull(tuple.getValueNode())) {
      return Optional.empty();
    }
    return Optional.of(tuple.getValueNode());
  }

  /** Like {@link #value} but a missing or empty value is a problem. */
  Optional<Node> required(String key) {
    NodeTuple tuple = entries.get(key);
    if (tuple == null) {
      reader.problems().at(node, "missing required key '" + key + "'" + where());
      return Optional.empty();
    }
    if (NodeReader.isNull(tuple.getValueNode())) {
      reader.problems().at(tuple.getKeyNode(), path(key) + " must not be empty");
      return Optional.empty();
    }
    return Optional.of(tuple.getValueNode());
  }

  /** An optional string; an empty value (e.g. {@code ${VAR:-}}) counts as absent. */
  Optional<String> string(String key) {
    return value(key).flatMap(n -> reader.string(n, path(key))).filter(s -> !s.isEmpty());
  }

  Optional<String> requiredString(String key) {
    return required(key).flatMap(n -> reader.nonEmptyString(n, path(key)));
  }

  Optional<Integer> integer(String key) {
    return value(key).flatMap(n -> reader.integer(n, path(key)));
  }

  Optional<Boolean> bool(String key) {
    return value(key).flatMap(n -> reader.bool(n, path(key)));
  }

  Optional<Duration> duration(String key) {
    return value(key).flatMap(n -> reader.duration(n, path(key)));
  }

  /** An optional path; like {@link #string}, an empty value counts as absent. */
  Optional<Path> filePath(String key) {
    return string(key).flatMap(text -> reader.toPath(value(key).orElseThrow(), path(key), text));
  }

  Optional<List<String>> stringList(String key) {
    return value(key).flatMap(n -> reader.stringList(n, path(key)));
  }

  Optional<YamlMapping> mapping(String key, List<String> allowedKeys) {
    return value(key).flatMap(n -> reader.mapping(n, path(key), allowedKeys));
  }

  private String where() {
    return path.isEmpty() ? "" : " in " + path;
  }
}
