package dev.ferry.desktop.openwith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A command the user typed, as an argv: no shell runs it, so nothing in a placeholder's value can
 * become a second command. Splitting follows the shell's familiar rules without its expansions:
 * whitespace separates words; 'single quotes' keep everything literally; "double quotes" keep
 * spaces, with \" and \\ as escapes; outside quotes a backslash escapes a space, a quote or a
 * backslash and is literal before anything else (so C:\Program Files\… paths survive in quotes).
 */
public final class CommandLine {
  private CommandLine() {}

  /**
   * The words of {@code line}.
   *
   * @throws IllegalArgumentException for an unclosed quote, saying which
   */
  public static List<String> split(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    int n = line.length();
    for (int i = 0; i < n; i++) {
      char c = line.charAt(i);
      if (c == '\'') {
        int end = line.indexOf('\'', i + 1);
        if (end < 0) {
          throw new IllegalArgumentException("unclosed ' (single quote) at column " + (i + 1));
        }
        word.append(line, i + 1, end);
        inWord = true;
        i = end;
      } else if (c == '"') {
        int j = i + 1;
        for (; j < n && line.charAt(j) != '"'; j++) {
          char d = line.charAt(j);
          if (d == '\\' && j + 1 < n && (line.charAt(j + 1) == '"' || line.charAt(j + 1) == '\\')) {
            word.append(line.charAt(++j));
          } else {
            word.append(d);
          }
        }
        if (j >= n) {
          throw new IllegalArgumentException("unclosed \" (double quote) at column " + (i + 1));
        }
        inWord = true;
        i = j;
      } else if (c == '\\' && i + 1 < n && special(line.charAt(i + 1))) {
        word.append(line.charAt(++i));
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }

  private static boolean special(char c) {
    return Character.isWhitespace(c) || c == '\'' || c == '"' || c == '\\';
  }

  /**
   * Replaces {@code {name}} in every word with its value; unknown names stay as typed. Runs after
   * splitting, so a value never splits a word.
   */
  public static List<String> expand(List<String> argv, Map<String, String> values) {
    List<String> out = new ArrayList<>(argv.size());
    for (String word : argv) {
      String w = word;
      for (Map.Entry<String, String> e : values.entrySet()) {
        w = w.replace("{" + e.getKey() + "}", e.getValue());
      }
      out.add(w);
    }
    return out;
  }

  /** The argv as a user reads it: words with spaces or quotes shown in quotes. */
  public static String display(List<String> argv) {
    StringBuilder b = new StringBuilder();
    for (String w : argv) {
      if (b.length() > 0) {
        b.append(' ');
      }
      if (w.isEmpty() || w.chars().anyMatch(ch -> Character.isWhitespace(ch) || ch == '"')) {
        b.append('\'').append(w).append('\'');
      } else {
        b.append(w);
      }
    }
    return b.toString();
  }
}
