package dev.ferry.client.tunnel;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * The id of this client process, sent as {@code Ferry-Client-Instance} on every tunnel open and
 * resume: 128 random bits, base64url, made once per JVM. It lets the gateway tell a client whose
 * network blinked (same instance, about to resume its waiting sessions) from one that crashed and
 * started again (a new instance), whose waiting sessions may be superseded. It is not a secret and
 * owes nothing to the token.
 */
public final class ClientInstance {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String PROCESS = newId();

  private ClientInstance() {}

  /** This process's id, the same for every connector. */
  public static String process() {
    return PROCESS;
  }

  /** A fresh random id (tests play a second client process with it). */
  public static String newId() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
