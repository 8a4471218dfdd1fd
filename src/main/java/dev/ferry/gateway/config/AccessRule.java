package dev.ferry.gateway.config;

import java.util.Collection;
import java.util.Set;

/** Who may reach a proxy: any listed user, or any member of a listed group. Deny otherwise. */
public record AccessRule(Set<String> users, Set<String> groups) {

  public AccessRule {
    users = Set.copyOf(users);
    groups = Set.copyOf(groups);
  }

  public boolean allows(String user, Collection<String> userGroups) {
    if (user != null && users.contains(user)) {
      return true;
    }
    for (String g : userGroups) {
      if (groups.contains(g)) {
        return true;
      }
    }
    return false;
  }
}
