package dev.ferry.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.client.auth.ClientStateStore;
import dev.ferry.client.doctor.Check;
import dev.ferry.client.doctor.Doctor;
import dev.ferry.client.doctor.DoctorSettings;
import dev.ferry.gateway.config.Durations;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ferry doctor [--gateway URL]}: checks the path to the gateway step by step and says what
 * is wrong in plain words. Exit 0 when every check passed, 1 otherwise.
 */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description = {
      "Check the gateway URL, DNS, proxy, TCP, TLS, /v1/info, the token, /v1/proxies, a WebSocket"
          + " upgrade and the path's idle timeout, one line each, with a fix for what fails.",
      "Exit 0 when all checks pass, 1 otherwise."
    })
final class DoctorCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ClientOptions client;

  @Option(
      names = "--idle-check",
      paramLabel = "DURATION",
      description =
          "hold the probe WebSocket idle this long (e.g. 30s, 90s; 0 skips; at most 110s) to see"
              + " whether the path cuts idle connections; default 30s, which covers Ferry's 25 s"
              + " keepalives")
  String idleCheck = "30s";

  @Option(names = "--json", description = "print the checks as JSON")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Duration idle;
    try {
      idle = idleCheck.equals("0") ? Duration.ZERO : Durations.parse(idleCheck);
      new DoctorSettings(null, "", null, null, null, idle); // validates the range
    } catch (IllegalArgumentException e) {
      throw new CliFailure(1, "--idle-check: " + e.getMessage());
    }
    String[] gateway = gateway();
    Path ca = client.caFile;
    String caEnv = System.getenv(ClientOptions.ENV_CA_FILE);
    if (ca == null && caEnv != null && !caEnv.isBlank()) {
      ca = Path.of(caEnv);
    }
    DoctorSettings settings =
        new DoctorSettings(gateway[0], gateway[1], ca, client.proxies(), client::tokens, idle);
    boolean utf8 = Charset.defaultCharset().newEncoder().canEncode('\u2713');
    Doctor doctor = new Doctor(settings, Clock.systemUTC());
    List<Check> checks =
        doctor.run(
            c -> {
              if (!json) {
                print(out, c, utf8);
                if (c.name().equals("websocket") && !c.failed() && !idle.isZero()) {
                  out.println(
                      pad("")
                          + "  (holding it idle for "
                          + idle.toSeconds()
                          + "s to test the path's idle timeout; --idle-check 0 skips this)");
                }
                out.flush();
              }
            });
    long failed = checks.stream().filter(Check::failed).count();
    if (json) {
      out.println(toJson(checks, failed == 0));
    } else {
      out.println(
          failed == 0
              ? "all checks passed"
              : failed + (failed == 1 ? " check failed" : " checks failed"));
    }
    out.flush();
    return failed == 0 ? 0 : 1;
  }

  /** The URL and where it came from, like {@link ClientOptions#endpoint} but never failing. */
  private String[] gateway() {
    if (client.gateway != null && !client.gateway.isBlank()) {
      return new String[] {client.gateway, "--gateway"};
    }
    String env = System.getenv(ClientOptions.ENV_GATEWAY);
    if (env != null && !env.isBlank()) {
      return new String[] {env, ClientOptions.ENV_GATEWAY};
    }
    String last = ClientStateStore.forCurrentUser().load().lastGateway();
    if (last != null && !last.isBlank()) {
      client.gateway = last;
      return new String[] {last, "the last login"};
    }
    return new String[] {null, "nowhere"};
  }

  private static void print(PrintWriter out, Check c, boolean utf8) {
    String mark =
        switch (c.status()) {
          case PASS -> utf8 ? "\u2713" : "[ok]  ";
          case FAIL -> utf8 ? "\u2717" : "[FAIL]";
          case SKIP -> utf8 ? "-" : "[skip]";
        };
    out.println(mark + " " + pad(c.name()) + c.summary());
    if (c.fix() != null) {
      out.println(" ".repeat(mark.length() + 1) + pad("") + "fix: " + c.fix());
    }
  }

  private static String pad(String name) {
    return String.format("%-10s", name);
  }

  private static String toJson(List<Check> checks, boolean ok) throws Exception {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = mapper.createObjectNode();
    root.put("ok", ok);
    ArrayNode list = root.putArray("checks");
    for (Check c : checks) {
      ObjectNode n = list.addObject();
      n.put("name", c.name());
      n.put("status", c.status().name().toLowerCase(java.util.Locale.ROOT));
      n.put("summary", c.summary());
      if (c.fix() != null) {
        n.put("fix", c.fix());
      }
    }
    return mapper.writeValueAsString(root);
  }
}
