package dev.ferry.gateway.config;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Loads and validates the gateway configuration (DESIGN §3). Works on SnakeYAML's node tree rather
 * than on bound objects so every problem keeps the line and column of the key or value at fault,
 * and reports all problems at once.
 */
public final class ConfigLoader {
  static final List<String> SECTIONS = List.of("gateway", "identity", "audit", "proxies");
  static final List<String> AUDIT_KEYS = List.of("file");

  private ConfigLoader() {}

  /** Loads {@code file}, substituting {@code ${VAR}} from the process environment. */
  public static GatewayConfig load(Path file) throws ConfigException, IOException {
    String yaml = Files.readString(file, StandardCharsets.UTF_8);
    return parse(file.toString(), yaml, System.getenv());
  }

  /**
   * Parses and validates {@code yaml}.
   *
   * @param fileNameForMessages the name each {@link ConfigProblem} carries
   * @param env the variables {@code ${VAR}} and {@code ${VAR:-default}} are substituted from
   * @throws ConfigException listing every problem found, in file order
   */
  public static GatewayConfig parse(
      String fileNameForMessages, String yaml, Map<String, String> env) throws ConfigException {
    Problems problems = new Problems(fileNameForMessages);
    Optional<Node> root = compose(yaml, problems);
    if (root.isEmpty()) {
      if (problems.isEmpty()) {
        problems.atStart("the configuration is empty; it needs at least identity.issuers");
      }
      throw problems.exception();
    }
    NodeReader reader = new NodeReader(problems, new EnvSubstitution(env));
    Optional<YamlMapping> top = reader.mapping(root.get(), "", SECTIONS);
    if (top.isEmpty()) {
      throw problems.exception();
    }
    YamlMapping m = top.get();
    ServerSettings gateway = new ServerSettingsReader(reader).read(m.value("gateway"));
    List<IssuerSettings> issuers = new IssuersReader(reader).read(m.required("identity"));
    AuditSettings audit = audit(m.mapping("audit", AUDIT_KEYS));
    List<ProxyConfig> proxies = new ProxiesReader(reader).read(m.value("proxies"));
    problems.throwIfAny();
    return new GatewayConfig(gateway, issuers, audit, proxies);
  }

  private static AuditSettings audit(Optional<YamlMapping> audit) {
    return new AuditSettings(audit.flatMap(a -> a.filePath("file")).orElse(null));
  }

  private static Optional<Node> compose(String yaml, Problems problems) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowRecursiveKeys(false);
    try {
      return Optional.ofNullable(new Yaml(options).compose(new StringReader(yaml)));
    } catch (MarkedYAMLException e) {
      // SnakeYAML phrases context and problem to be read together ("while parsing a flow
      // sequence", "expected ',' or ']'"); either may be missing.
      String problem =
          e.getContext() == null
              ? e.getProblem()
              : e.getProblem() == null ? e.getContext() : e.getContext() + ", " + e.getProblem();
      problems.at(
          e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark(),
          "invalid YAML: " + problem);
    } catch (YAMLException e) {
      problems.atStart("invalid YAML: " + e.getMessage());
    }
    return Optional.empty();
  }
}
