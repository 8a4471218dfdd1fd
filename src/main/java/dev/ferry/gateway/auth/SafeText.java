package dev.ferry.gateway.auth;

/**
 * Makes an attacker-controlled value (an unverified claim) fit to appear inside an error message:
 * messages end up in logs and problem+json bodies, so control characters (line breaks forge log
 * lines, escape sequences repaint terminals) are dropped and the length is capped.
 */
final class SafeText {
  static final int MAX_LENGTH = 100;

  private SafeText() {}

  static String of(String value) {
    if (value == null) {
      return "(none)";
    }
    StringBuilder out = new StringBuilder(Math.min(value.length(), MAX_LENGTH + 3));
    for (int i = 0; i < value.length(); ) {
      int cp = value.codePointAt(i);
      i += Character.charCount(cp);
      if (Character.isISOControl(cp)
          || Character.getType(cp) == Character.FORMAT
          || cp == 0x2028
          || cp == 0x2029) {
        continue;
      }
      if (out.length() >= MAX_LENGTH) {
        out.append("...");
        break;
      }
      out.appendCodePoint(cp);
    }
    return out.toString();
  }
}
