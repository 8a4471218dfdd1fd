package dev.ferry.gateway.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Collects every problem of one file, so a user fixes them all in one round instead of one each.
 */
final class Problems {
  private final String file;
  private final List<ConfigProblem> problems = new ArrayList<>();

  Problems(String file) {
    this.file = file;
  }

  void at(Node node, String message) {
    at(node.getStartMark(), message);
  }

  /** For problems of the whole file, which have no better position than its start. */
  void atStart(String message) {
    at((Mark) null, message);
  }

  void at(Mark mark, String message) {
    // SnakeYAML counts from 0; editors and compilers count from 1.
    int line = mark == null ? 1 : mark.getLine() + 1;
    int column = mark == null ? 1 : mark.getColumn() + 1;
    problems.add(new ConfigProblem(file, line, column, message));
  }

  boolean isEmpty() {
    return problems.isEmpty();
  }

  void throwIfAny() throws ConfigException {
    if (!problems.isEmpty()) {
      throw exception();
    }
  }

  ConfigException exception() {
    // Readers visit sections in a fixed order; sorting makes the output follow the file.
    List<ConfigProblem> sorted = new ArrayList<>(problems);
    sorted.sort(
        Comparator.comparingInt(ConfigProblem::line).thenComparingInt(ConfigProblem::column));
    return new ConfigException(sorted);
  }
}
