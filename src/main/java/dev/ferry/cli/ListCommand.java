package dev.ferry.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ferry.client.api.GatewayApiException;
import dev.ferry.client.api.ProxyList;
import dev.ferry.client.auth.TokenException;
import dev.ferry.client.auth.TokenSource;
import dev.ferry.tunnel.TunnelError;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ferry list [--json]}: the proxies the caller may reach. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = "List the proxies you may reach: name, kind, description, tags.")
final class ListCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ClientOptions client;

  @Option(names = "--json", description = "print JSON instead of a table")
  boolean json;

  @Override
  public Integer call() throws Exception {
    ProxyList list = fetch(client);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(
          new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(list));
      return 0;
    }
    if (list.proxies().isEmpty()) {
      out.println("no proxies reachable for " + list.user() + ": ask your gateway's admin");
      return 0;
    }
    int nameWidth =
        Math.max(4, list.proxies().stream().mapToInt(p -> p.name().length()).max().orElse(4));
    String format = "%-" + nameWidth + "s  %-8s  %-40s  %s%n";
    out.printf(format, "NAME", "KIND", "DESCRIPTION", "TAGS");
    for (ProxyList.ProxyInfo p : list.proxies()) {
      out.printf(format, p.name(), p.kind(), p.description(), String.join(",", p.tags()));
    }
    return 0;
  }

  /**
   * Asks the gateway what the caller may reach, renewing the token once if the gateway refuses it
   * (a stored login may hold a token that expired between runs).
   */
  static ProxyList fetch(ClientOptions client) {
    TokenSource tokens = client.tokens();
    String token = token(tokens);
    try {
      return client.api().proxies(token);
    } catch (GatewayApiException e) {
      if (e.error() != TunnelError.UNAUTHENTICATED) {
        throw new CliFailure(e.error(), e.getMessage());
      }
      tokens.invalidate(token);
      String fresh = token(tokens);
      if (fresh.equals(token)) {
        throw new CliFailure(e.error(), e.getMessage());
      }
      try {
        return client.api().proxies(fresh);
      } catch (GatewayApiException again) {
        throw new CliFailure(again.error(), again.getMessage());
      }
    }
  }

  static String token(TokenSource tokens) {
    try {
      return tokens.token();
    } catch (TokenException e) {
      throw new CliFailure(TunnelError.UNAUTHENTICATED, e.getMessage());
    }
  }
}
