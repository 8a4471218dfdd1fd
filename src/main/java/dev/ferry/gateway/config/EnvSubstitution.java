package dev.ferry.gateway.config;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${VAR}} and {@code ${VAR:-default}} in one scalar. As in the shell, the default
 * applies when the variable is unset or empty, and a plain {@code ${VAR}} may be empty but must be
 * set: a silently empty issuer or target would fail later and far less clearly.
 */
final class EnvSubstitution {
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private final Map<String, String> env;

  EnvSubstitution(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  /**
   * @throws IllegalArgumentException naming the unset variable or the malformed reference
   */
  String apply(String text) {
    int start = text.indexOf("${");
    if (start < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder();
    int pos = 0;
    while (start >= 0) {
      out.append(text, pos, start);
      int end = text.indexOf('}', start + 2);
      if (end < 0) {
        throw new IllegalArgumentException("unterminated ${ in '" + text + "'");
      }
      out.append(resolve(text.substring(start + 2, end)));
      pos = end + 1;
      start = text.indexOf("${", pos);
    }
    return out.append(text, pos, text.length()).toString();
  }

  private String resolve(String reference) {
    int separator = reference.indexOf(":-");
    String name = separator < 0 ? reference : reference.substring(0, separator);
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "invalid environment variable reference '${" + reference + "}'");
    }
    String value = env.get(name);
    if (separator >= 0) {
      return value == null || value.isEmpty() ? reference.substring(separator + 2) : value;
    }
    if (value == null) {
      throw new IllegalArgumentException("environment variable " + name + " is not set");
    }
    return value;
  }
}
