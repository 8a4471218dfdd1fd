package dev.ferry.gateway.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/** Reads the {@code identity:} section: the trusted OIDC issuers. */
final class IssuersReader {
  static final List<String> IDENTITY_KEYS = List.of("issuers");
  static final List<String> ISSUER_KEYS =
      List.of("issuer", "audiences", "clientId", "scopes", "userClaim", "groupsClaim");

  static final List<String> DEFAULT_SCOPES = List.of("openid", "email", "profile");
  static final String DEFAULT_USER_CLAIM = "email";
  static final String DEFAULT_GROUPS_CLAIM = "groups";

  private final NodeReader reader;
  private final Map<String, Node> seen = new HashMap<>();

  IssuersReader(NodeReader reader) {
    this.reader = reader;
  }

  List<IssuerSettings> read(Optional<Node> section) {
    Optional<List<Node>> items =
        section
            .flatMap(n -> reader.mapping(n, "identity", IDENTITY_KEYS))
            .flatMap(this::issuerNodes);
    List<IssuerSettings> issuers = new ArrayList<>();
    if (items.isPresent()) {
      for (int i = 0; i < items.get().size(); i++) {
        String path = "identity.issuers[" + i + "]";
        reader
            .mapping(items.get().get(i), path, ISSUER_KEYS)
            .flatMap(this::issuer)
            .ifPresent(issuers::add);
      }
    }
    return issuers;
  }

  private Optional<List<Node>> issuerNodes(YamlMapping identity) {
    Optional<Node> node = identity.required("issuers");
    Optional<List<Node>> items = node.flatMap(n -> reader.sequence(n, "identity.issuers"));
    if (items.isPresent() && items.get().isEmpty()) {
      reader.problems().at(node.get(), "identity.issuers must list at least one issuer");
    }
    return items;
  }

  private Optional<IssuerSettings> issuer(YamlMapping m) {
    // Every key is read before combining, so all of an issuer's mistakes are reported together.
    Optional<String> issuer = m.requiredString("issuer").filter(url -> isValid(m, url));
    Optional<List<String>> audiences = m.required("audiences").flatMap(n -> audiences(m, n));
    Optional<String> clientId = m.string("clientId");
    Optional<List<String>> scopes = m.stringList("scopes");
    Optional<String> userClaim = m.string("userClaim");
    Optional<String> groupsClaim = m.string("groupsClaim");
    if (issuer.isEmpty() || audiences.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new IssuerSettings(
            issuer.get(),
            audiences.get(),
            clientId.orElse(null),
            scopes.orElse(DEFAULT_SCOPES),
            userClaim.orElse(DEFAULT_USER_CLAIM),
            groupsClaim.orElse(DEFAULT_GROUPS_CLAIM)));
  }

  private boolean isValid(YamlMapping m, String url) {
    Node node = m.value("issuer").orElseThrow();
    Optional<String> problem = HttpUrls.issuerProblem(url);
    if (problem.isPresent()) {
      reader.problems().at(node, m.path("issuer") + " " + problem.get() + ", got '" + url + "'");
      return false;
    }
    Node first = seen.putIfAbsent(url, node);
    if (first != null) {
      int line = first.getStartMark().getLine() + 1;
      reader.problems().at(node, "duplicate issuer '" + url + "' (first at line " + line + ")");
      return false;
    }
    return true;
  }

  private Optional<List<String>> audiences(YamlMapping m, Node node) {
    if (node instanceof SequenceNode list && list.getValue().isEmpty()) {
      reader.problems().at(node, m.path("audiences") + " must not be empty");
      return Optional.empty();
    }
    return reader.stringList(node, m.path("audiences"));
  }
}
