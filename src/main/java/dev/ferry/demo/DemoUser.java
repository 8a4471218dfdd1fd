package dev.ferry.demo;

import java.util.List;

/**
 * A user of the demo's OIDC provider: who signs in as {@code name} gets these claims.
 *
 * @param name what the newcomer types (or clicks) on the login page; also the token's {@code sub}
 * @param email the {@code email} claim, which the gateway names the user by
 * @param groups the {@code groups} claim the demo proxies' rules check
 */
public record DemoUser(String name, String email, List<String> groups) {
  /** May reach demo-web, demo-echo and demo-db. */
  public static final DemoUser ALICE =
      new DemoUser("alice", "alice@example.com", List.of("dev", "dba"));

  /** May reach demo-web and demo-echo, not demo-db. */
  public static final DemoUser BOB = new DemoUser("bob", "bob@example.com", List.of("dev"));

  public static final List<DemoUser> ALL = List.of(ALICE, BOB);

  public DemoUser {
    groups = List.copyOf(groups);
  }
}
