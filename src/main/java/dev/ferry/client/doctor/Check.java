package dev.ferry.client.doctor;

/**
 * One line of {@code ferry doctor}: what was checked, how it went, and, when it failed, what to do.
 *
 * @param name short name, e.g. "tls"
 * @param summary what was found, in plain words
 * @param fix what to do about a failure; null when nothing is to be done
 */
public record Check(String name, Status status, String summary, String fix) {

  /** How a check went. */
  public enum Status {
    PASS,
    FAIL,
    /** Not run: an earlier check failed, or it does not apply (e.g. TLS for an http gateway). */
    SKIP
  }

  public static Check pass(String name, String summary) {
    return new Check(name, Status.PASS, summary, null);
  }

  public static Check fail(String name, String summary, String fix) {
    return new Check(name, Status.FAIL, summary, fix);
  }

  public static Check skip(String name, String why) {
    return new Check(name, Status.SKIP, why, null);
  }

  public boolean failed() {
    return status == Status.FAIL;
  }
}
