package dev.ferry.gateway.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads typed values out of YAML nodes. Every method substitutes the environment, checks the type
 * and, when the value is unusable, records a problem at the node and returns empty, so that callers
 * go on checking the rest of the file instead of stopping at the first mistake.
 *
 * <p>Values are read from the scalar's text, never from SnakeYAML's implicit tags: {@code name: no}
 * is the string "no", and {@code port: ${PORT}} is an integer once substituted.
 */
final class NodeReader {
  private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]{1,10}");

  private final Problems problems;
  private final EnvSubstitution env;

  NodeReader(Problems problems, EnvSubstitution env) {
    this.problems = problems;
    this.env = env;
  }

  Problems problems() {
    return problems;
  }

  /** An empty YAML value ({@code key:}, {@code ~}, {@code null}) counts as absent. */
  static boolean isNull(Node node) {
    return node instanceof ScalarNode && node.getTag().equals(Tag.NULL);
  }

  Optional<YamlMapping> mapping(Node node, String path, List<String> allowedKeys) {
    if (node instanceof MappingNode mapping) {
      return Optional.of(new YamlMapping(mapping, path, allowedKeys, this));
    }
    problems.at(node, label(path) + " must be a mapping, found " + describe(node));
    return Optional.empty();
  }

  Optional<List<Node>> sequence(Node node, String path) {
    if (node instanceof SequenceNode sequence) {
      return Optional.of(sequence.getValue());
    }
    problems.at(node, label(path) + " must be a list, found " + describe(node));
    return Optional.empty();
  }

  /** Any scalar as text after substitution; "" when the YAML value is empty. */
  Optional<String> string(Node node, String path) {
    if (!(node instanceof ScalarNode scalar)) {
      problems.at(node, label(path) + " must be a string, found " + describe(node));
      return Optional.empty();
    }
    if (isNull(scalar)) {
      return Optional.of("");
    }
    try {
      return Optional.of(env.apply(scalar.getValue()));
    } catch (IllegalArgumentException e) {
      problems.at(node, e.getMessage());
      return Optional.empty();
    }
  }

  Optional<String> nonEmptyString(Node node, String path) {
    Optional<String> value = string(node, path);
    if (value.isPresent() && value.get().isEmpty()) {
      problems.at(node, label(path) + " must not be empty");
      return Optional.empty();
    }
    return value;
  }

  Optional<Integer> integer(Node node, String path) {
    if (!(node instanceof ScalarNode)) {
      problems.at(node, label(path) + " must be an integer, found " + describe(node));
      return Optional.empty();
    }
    return string(node, path)
        .flatMap(
            text -> {
              if (INTEGER.matcher(text).matches()) {
                long value = Long.parseLong(text);
                if (value == (int) value) {
                  return Optional.of((int) value);
                }
              }
              problems.at(node, label(path) + " must be an integer, got '" + text + "'");
              return Optional.empty();
            });
  }

  Optional<Boolean> bool(Node node, String path) {
    if (!(node instanceof ScalarNode)) {
      problems.at(node, label(path) + " must be true or false, found " + describe(node));
      return Optional.empty();
    }
    return string(node, path)
        .flatMap(
            text -> {
              // Only true/false: YAML 1.1's yes/no/on/off are too easy to write by accident.
              if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
                return Optional.of(Boolean.parseBoolean(text));
              }
              problems.at(node, label(path) + " must be true or false, got '" + text + "'");
              return Optional.empty();
            });
  }

  Optional<Duration> duration(Node node, String path) {
    if (!(node instanceof ScalarNode)) {
      problems.at(node, label(path) + " must be a duration, found " + describe(node));
      return Optional.empty();
    }
    return string(node, path)
        .flatMap(
            text -> {
              try {
                return Optional.of(Durations.parse(text));
              } catch (IllegalArgumentException e) {
                problems.at(
                    node,
                    label(path)
                        + " must be a positive duration like 500ms, 30s, 30m or 8h, got '"
                        + text
                        + "'");
                return Optional.empty();
              }
            });
  }

  Optional<Path> path(Node node, String path) {
    return nonEmptyString(node, path).flatMap(text -> toPath(node, path, text));
  }

  Optional<Path> toPath(Node node, String path, String text) {
    try {
      return Optional.of(Path.of(text));
    } catch (InvalidPathException e) {
      problems.at(node, label(path) + " is not a valid path: " + e.getReason());
      return Optional.empty();
    }
  }

  /** A list of non-empty strings; bad entries are reported and left out. */
  Optional<List<String>> stringList(Node node, String path) {
    if (!(node instanceof SequenceNode sequence)) {
      problems.at(node, label(path) + " must be a list of strings, found " + describe(node));
      return Optional.empty();
    }
    List<String> values = new ArrayList<>();
    List<Node> items = sequence.getValue();
    for (int i = 0; i < items.size(); i++) {
      nonEmptyString(items.get(i), path + "[" + i + "]").ifPresent(values::add);
    }
    return Optional.of(values);
  }

  static String label(String path) {
    return path.isEmpty() ? "the configuration" : path;
  }

  static String describe(Node node) {
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    return "a single value";
  }
}
