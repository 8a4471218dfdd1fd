package dev.ferry.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {
  private static final String FILE = "gw.yaml";

  /** Four lines: a minimal valid identity section, so proxy cases start on line 5. */
  private static final String IDENTITY =
      """
      identity:
        issuers:
          - issuer: http://127.0.0.1:9000/default
            audiences: [ferry]
      """;

  static GatewayConfig parse(String yaml) throws ConfigException {
    return ConfigLoader.parse(FILE, yaml, Map.of());
  }

  static List<ConfigProblem> problems(String yaml) {
    return problems(yaml, Map.of());
  }

  static List<ConfigProblem> problems(String yaml, Map<String, String> env) {
    ConfigException e =
        catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(FILE, yaml, env));
    assertThat(e).as("expected the config to be rejected").isNotNull();
    return e.problems();
  }

  static ConfigProblem at(int line, int column, String message) {
    return new ConfigProblem(FILE, line, column, message);
  }

  @Nested
  @DisplayName("a valid config")
  class Valid {

    @Test
    @DisplayName("maps every key of the full DESIGN §3 example to the records")
    void fullConfig() throws ConfigException {
      GatewayConfig config =
          parse(
              """
              gateway:
                name: acme-prod
                bind: 127.0.0.1
                port: 8443
                publicUrl: https://ferry.example.com
                tls: { cert: /etc/ferry/tls.crt, key: /etc/ferry/tls.key }
                allowedOrigins: [https://console.example.com]
              identity:
                issuers:
                  - issuer: https://accounts.google.com
                    audiences: [1234.apps.googleusercontent.com]
                    clientId: 1234.apps.googleusercontent.com
                    scopes: [openid, email]
                    userClaim: sub
                    groupsClaim: roles
              audit:
                file: /var/log/ferry/audit.jsonl
              proxies:
                - name: orders-db
                  description: Orders PostgreSQL (prod)
                  target: db.internal:5432
                  kind: postgres
                  tags: [prod, db]
                  allow:
                    users: [alice@example.com]
                    groups: [dba]
                  limits:
                    maxSessions: 50
                    maxSessionsPerUser: 3
                    idleTimeout: 30m
                    maxDuration: 8h
                    connectTimeout: 500ms
                    endWithToken: false
              """);

      assertThat(config.gateway())
          .isEqualTo(
              new ServerSettings(
                  "acme-prod",
                  "127.0.0.1",
                  8443,
                  "https://ferry.example.com",
                  new TlsSettings(Path.of("/etc/ferry/tls.crt"), Path.of("/etc/ferry/tls.key")),
                  List.of("https://console.example.com")));
      assertThat(config.issuers())
          .containsExactly(
              new IssuerSettings(
                  "https://accounts.google.com",
                  List.of("1234.apps.googleusercontent.com"),
                  "1234.apps.googleusercontent.com",
                  List.of("openid", "email"),
                  "sub",
                  "roles"));
      assertThat(config.audit())
          .isEqualTo(new AuditSettings(Path.of("/var/log/ferry/audit.jsonl")));
      assertThat(config.proxies())
          .containsExactly(
              new ProxyConfig(
                  "orders-db",
                  "Orders PostgreSQL (prod)",
                  new Target("db.internal", 5432),
                  "postgres",
                  List.of("prod", "db"),
                  new AccessRule(Set.of("alice@example.com"), Set.of("dba")),
                  new Limits(
                      50,
                      3,
                      Duration.ofMinutes(30),
                      Duration.ofHours(8),
                      Duration.ofMillis(500),
                      false)));
    }

    @Test
    @DisplayName("fills in every default DESIGN §3 names")
    void defaults() throws ConfigException {
      GatewayConfig config =
          parse(
              IDENTITY
                  + """
                  proxies:
                    - name: box
                      target: box.internal:22
                      allow: { groups: [ops] }
                  """);

      assertThat(config.gateway())
          .isEqualTo(new ServerSettings("ferry", "0.0.0.0", 8080, null, null, List.of()));
      assertThat(config.issuers())
          .containsExactly(
              new IssuerSettings(
                  "http://127.0.0.1:9000/default",
                  List.of("ferry"),
                  null,
                  List.of("openid", "email", "profile"),
                  "email",
                  "groups"));
      assertThat(config.audit()).isEqualTo(new AuditSettings(null));
      ProxyConfig proxy = config.proxy("box").orElseThrow();
      assertThat(proxy.description()).isEmpty();
      assertThat(proxy.kind()).isEqualTo("tcp");
      assertThat(proxy.tags()).isEmpty();
      assertThat(proxy.limits()).isEqualTo(Limits.defaults());
      assertThat(proxy.limits())
          .isEqualTo(
              new Limits(
                  0,
                  0,
                  Duration.ofMinutes(30),
                  Duration.ofHours(12),
                  Duration.ofSeconds(10),
                  true));
    }

    @Test
    @DisplayName("without proxies, and with empty sections, is still valid")
    void emptySections() throws ConfigException {
      GatewayConfig config = parse("gateway:\naudit:\nproxies:\n" + IDENTITY);
      assertThat(config.proxies()).isEmpty();
      assertThat(config.gateway().port()).isEqualTo(8080);
    }

    @ParameterizedTest(name = "issuer {0}")
    @ValueSource(
        strings = {
          "https://accounts.google.com",
          "https://login.example.com/realms/prod",
          "http://127.0.0.1:8080/default",
          "http://localhost:9000",
          "http://[::1]:9000/x"
        })
    void acceptsHttpsIssuersAndHttpOnLoopback(String issuer) throws ConfigException {
      GatewayConfig config =
          parse("identity:\n  issuers:\n    - issuer: " + issuer + "\n      audiences: [a]\n");
      assertThat(config.issuers().get(0).issuer()).isEqualTo(issuer);
    }

    @Test
    @DisplayName("reads values as text: 'no' is a name, not a boolean; 007 keeps its zeros")
    void valuesAreText() throws ConfigException {
      GatewayConfig config =
          parse(
              IDENTITY
                  + """
                  proxies:
                    - name: "007"
                      description: no
                      target: box:22
                      allow: { users: [yes] }
                  """);
      ProxyConfig proxy = config.proxies().get(0);
      assertThat(proxy.name()).isEqualTo("007");
      assertThat(proxy.description()).isEqualTo("no");
      assertThat(proxy.allow().users()).containsExactly("yes");
    }

    @Test
    @DisplayName("load() reads a file and names it in messages")
    void loadsFromFile(@TempDir Path dir) throws IOException {
      Path file = dir.resolve("gateway.yaml");
      Files.writeString(file, "gateway:\n  port: 0\n" + IDENTITY);

      ConfigException e =
          catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(file));

      assertThat(e.getMessage())
          .isEqualTo(file + ":2:9: gateway.port must be between 1 and 65535, got 0");
    }
  }

  @Nested
  @DisplayName("structure")
  class Structure {

    @Test
    void unknownTopLevelKey() {
      assertThat(problems(IDENTITY + "proxy:\n  - name: x\n"))
          .containsExactly(
              at(5, 1, "unknown key 'proxy'; allowed keys: gateway, identity, audit, proxies"));
    }

    @Test
    @DisplayName("unknown keys are reported at every level, with the keys allowed there")
    void unknownKeysAtEveryLevel() {
      assertThat(
              problems(
                  """
                  gateway:
                    host: 0.0.0.0
                    tls: { cert: a, key: b, ca: c }
                  identity:
                    issuers:
                      - issuer: https://idp.example.com
                        audience: [a]
                        audiences: [a]
                  audit:
                    path: /tmp/audit
                  proxies:
                    - name: db
                      target: db:5432
                      allow: { users: [a], roles: [b] }
                      limits: { maxSession: 1 }
                  """))
          .containsExactly(
              at(
                  2,
                  3,
                  "unknown key 'host' in gateway; allowed keys: name, bind, port, publicUrl, tls,"
                      + " allowedOrigins, handshakeTimeout, maxPendingHandshakes"),
              at(3, 27, "unknown key 'ca' in gateway.tls; allowed keys: cert, key"),
              at(
                  7,
                  7,
                  "unknown key 'audience' in identity.issuers[0]; allowed keys: issuer, audiences,"
                      + " clientId, scopes, userClaim, groupsClaim"),
              at(10, 3, "unknown key 'path' in audit; allowed keys: file"),
              at(14, 26, "unknown key 'roles' in proxies[0].allow; allowed keys: users, groups"),
              at(
                  15,
                  15,
                  "unknown key 'maxSession' in proxies[0].limits; allowed keys: maxSessions,"
                      + " maxSessionsPerUser, idleTimeout, maxDuration, connectTimeout,"
                      + " endWithToken, resumeWindow"));
    }

    @Test
    @DisplayName("a repeated key is reported at the second occurrence")
    void duplicateKey() {
      assertThat(problems("gateway:\n  port: 80\n  name: a\n  port: 81\n" + IDENTITY))
          .containsExactly(at(4, 3, "duplicate key 'port' in gateway (first at line 2)"));
    }

    @Test
    void missingIdentity() {
      assertThat(problems("gateway:\n  port: 8080\n"))
          .containsExactly(at(1, 1, "missing required key 'identity'"));
    }

    @Test
    void emptyFile() {
      assertThat(problems("# nothing here\n"))
          .containsExactly(
              at(1, 1, "the configuration is empty; it needs at least identity.issuers"));
    }

    @Test
    void notAMapping() {
      assertThat(problems("- gateway\n"))
          .containsExactly(at(1, 1, "the configuration must be a mapping, found a list"));
    }

    @Test
    @DisplayName("YAML syntax errors carry SnakeYAML's position")
    void syntaxError() {
      assertThat(problems("gateway:\n  name: [unclosed\n"))
          .containsExactly(
              at(
                  3,
                  1,
                  "invalid YAML: while parsing a flow sequence, expected ',' or ']', but got"
                      + " <stream end>"));
    }

    @Test
    @DisplayName("wrong types name the expected type")
    void wrongTypes() {
      assertThat(
              problems(
                  """
                  gateway:
                    name: [a, b]
                    port: eighty
                    tls: /etc/tls
                    allowedOrigins: https://a.example.com
                  identity:
                    issuers:
                      - issuer: https://idp.example.com
                        audiences: [a, [b]]
                        scopes: { openid: true }
                  proxies:
                    - name: db
                      target: db:5432
                      tags: prod
                      allow: [alice]
                      limits:
                        maxSessions: many
                        idleTimeout: [30m]
                        endWithToken: yes
                  """))
          .containsExactly(
              at(2, 9, "gateway.name must be a string, found a list"),
              at(3, 9, "gateway.port must be an integer, got 'eighty'"),
              at(4, 8, "gateway.tls must be a mapping, found a single value"),
              at(5, 19, "gateway.allowedOrigins must be a list of strings, found a single value"),
              at(9, 22, "identity.issuers[0].audiences[1] must be a string, found a list"),
              at(10, 15, "identity.issuers[0].scopes must be a list of strings, found a mapping"),
              at(14, 11, "proxies[0].tags must be a list of strings, found a single value"),
              at(15, 12, "proxies[0].allow must be a mapping, found a list"),
              at(17, 20, "proxies[0].limits.maxSessions must be an integer, got 'many'"),
              at(18, 20, "proxies[0].limits.idleTimeout must be a duration, found a list"),
              at(19, 21, "proxies[0].limits.endWithToken must be true or false, got 'yes'"));
    }

    @Test
    void onlyOneDocument() {
      assertThat(problems(IDENTITY + "---\n" + IDENTITY))
          .containsExactly(
              at(
                  5,
                  1,
                  "invalid YAML: expected a single document in the stream, but found another"
                      + " document"));
    }

    @Test
    void proxiesMustBeAList() {
      assertThat(problems(IDENTITY + "proxies:\n  name: db\n"))
          .containsExactly(at(6, 3, "proxies must be a list, found a mapping"));
    }
  }

  @Nested
  @DisplayName("gateway section")
  class GatewaySection {

    @ParameterizedTest(name = "port {0}")
    @ValueSource(strings = {"0", "-1", "65536"})
    void portOutOfRange(String port) {
      assertThat(problems("gateway:\n  port: " + port + "\n" + IDENTITY))
          .containsExactly(at(2, 9, "gateway.port must be between 1 and 65535, got " + port));
    }

    @ParameterizedTest(name = "port {0}")
    @ValueSource(ints = {1, 65535})
    void portBounds(int port) throws ConfigException {
      assertThat(parse("gateway:\n  port: " + port + "\n" + IDENTITY).gateway().port())
          .isEqualTo(port);
    }

    @Test
    @DisplayName("tls needs both cert and key")
    void tlsNeedsCertAndKey() {
      assertThat(
              problems(
                  """
                  gateway:
                    tls:
                      cert: /etc/tls.crt
                  """
                      + IDENTITY))
          .containsExactly(at(3, 5, "missing required key 'key' in gateway.tls"));
      assertThat(problems("gateway:\n  tls: { key: /etc/tls.key }\n" + IDENTITY))
          .containsExactly(at(2, 8, "missing required key 'cert' in gateway.tls"));
    }

    @Test
    void publicUrlMustBeHttpOrHttps() {
      assertThat(problems("gateway:\n  publicUrl: ftp://ferry.example.com\n" + IDENTITY))
          .containsExactly(
              at(
                  2,
                  14,
                  "gateway.publicUrl must be an absolute http or https URL,"
                      + " got 'ftp://ferry.example.com'"));
    }
  }

  @Nested
  @DisplayName("identity section")
  class IdentitySection {

    @Test
    void issuersAreRequired() {
      assertThat(problems("identity: {}\n"))
          .containsExactly(at(1, 11, "missing required key 'issuers' in identity"));
    }

    @Test
    void atLeastOneIssuer() {
      assertThat(problems("identity:\n  issuers: []\n"))
          .containsExactly(at(2, 12, "identity.issuers must list at least one issuer"));
    }

    @Test
    void issuerAndAudiencesAreRequired() {
      assertThat(
              problems(
                  """
                  identity:
                    issuers:
                      - clientId: ferry-cli
                      - issuer: https://idp.example.com
                        audiences: []
                      - issuer:
                        audiences: [a]
                  """))
          .containsExactly(
              at(3, 7, "missing required key 'issuer' in identity.issuers[0]"),
              at(3, 7, "missing required key 'audiences' in identity.issuers[0]"),
              at(5, 18, "identity.issuers[1].audiences must not be empty"),
              at(6, 7, "identity.issuers[2].issuer must not be empty"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
        strings = {
          "http://idp.example.com",
          "http://127.0.0.2:9000",
          "ftp://idp.example.com",
          "idp.example.com",
          "/realms/prod",
          "https://"
        })
    void issuerMustBeAbsoluteHttps(String issuer) {
      String message =
          issuer.startsWith("http://") || issuer.startsWith("ftp://")
              ? "must be an absolute https URL (http only for 127.0.0.1, localhost or [::1])"
              : "must be an absolute https URL";
      assertThat(
              problems(
                  "identity:\n  issuers:\n    - issuer: " + issuer + "\n      audiences: [a]\n"))
          .containsExactly(
              at(3, 15, "identity.issuers[0].issuer " + message + ", got '" + issuer + "'"));
    }

    @Test
    void issuerHasNoQuery() {
      assertThat(
              problems(
                  "identity:\n  issuers:\n    - issuer: https://idp.example.com/?tenant=1\n"
                      + "      audiences: [a]\n"))
          .containsExactly(
              at(
                  3,
                  15,
                  "identity.issuers[0].issuer must not have a query or fragment,"
                      + " got 'https://idp.example.com/?tenant=1'"));
    }

    @Test
    @DisplayName("a repeated issuer is reported at the second one")
    void duplicateIssuer() {
      assertThat(
              problems(
                  """
                  identity:
                    issuers:
                      - issuer: https://idp.example.com
                        audiences: [a]
                      - issuer: https://idp.example.com
                        audiences: [b]
                  """))
          .containsExactly(
              at(5, 15, "duplicate issuer 'https://idp.example.com' (first at line 3)"));
    }
  }

  @Nested
  @DisplayName("proxies")
  class Proxies {

    @Test
    void nameTargetAndAllowAreRequired() {
      assertThat(problems(IDENTITY + "proxies:\n  - description: nothing else\n"))
          .containsExactly(
              at(6, 5, "missing required key 'name' in proxies[0]"),
              at(6, 5, "missing required key 'target' in proxies[0]"),
              at(6, 5, "missing required key 'allow' in proxies[0]"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Orders", "orders_db", "orders.db", "'orders db'", "''"})
    void nameMustBeLowercaseLettersDigitsAndDashes(String name) {
      String unquoted = name.replace("'", "");
      String message =
          unquoted.isEmpty()
              ? "proxies[0].name must not be empty"
              : "proxies[0].name must match [a-z0-9-]+, got '" + unquoted + "'";
      assertThat(
              problems(
                  IDENTITY
                      + "proxies:\n  - name: "
                      + name
                      + "\n    target: db:5432\n    allow: { users: [a] }\n"))
          .containsExactly(at(6, 11, message));
    }

    @Test
    @DisplayName("a repeated name is reported at the second proxy")
    void duplicateName() {
      assertThat(
              problems(
                  IDENTITY
                      + """
                      proxies:
                        - name: db
                          target: db:5432
                          allow: { users: [a] }
                        - name: db
                          target: db2:5432
                          allow: { users: [a] }
                      """))
          .containsExactly(at(9, 11, "duplicate proxy name 'db' (first at line 6)"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
        strings = {
          "db|'db' must be host:port or [ipv6]:port",
          "db:0|'db:0' must have a port between 1 and 65535",
          "db:65536|'db:65536' must have a port between 1 and 65535",
          ":5432|':5432' has an empty host",
          "tcp://db:5432|'tcp://db:5432' must be host:port without a scheme",
          "db:5432/orders|'db:5432/orders' must be host:port without a path",
          "db host:5432|'db host:5432' must not contain spaces"
        })
    void badTargets(String row) {
      String[] parts = row.split("\\|");
      assertThat(problems(proxyWithTarget(parts[0])))
          .containsExactly(at(7, 13, "proxies[0].target " + parts[1]));
    }

    @Test
    @DisplayName("IPv6 targets use brackets (quoted, as [ starts a YAML list)")
    void ipv6Target() throws ConfigException {
      assertThat(parse(proxyWithTarget("\"[fd00::6]:6379\"")).proxies().get(0).target())
          .isEqualTo(new Target("fd00::6", 6379));
    }

    @Test
    void kindMustBeKnown() {
      assertThat(problems(proxy("kind: mongo")))
          .containsExactly(
              at(
                  9,
                  11,
                  "proxies[0].kind must be one of postgres, mysql, ssh, redis, http, rdp, tcp,"
                      + " got 'mongo'"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"postgres", "mysql", "ssh", "redis", "http", "rdp", "tcp"})
    void everyKnownKind(String kind) throws ConfigException {
      assertThat(parse(proxy("kind: " + kind)).proxies().get(0).kind()).isEqualTo(kind);
    }

    @ParameterizedTest(name = "allow: {0}")
    @ValueSource(strings = {"{}", "{ users: [] }", "{ users: [], groups: [] }"})
    void allowThatAllowsNobody(String allow) {
      assertThat(
              problems(
                  IDENTITY + "proxies:\n  - name: db\n    target: db:5432\n    allow: " + allow))
          .containsExactly(at(8, 5, "allow lists no users or groups"));
    }

    @Test
    void allowWithGroupsOnly() throws ConfigException {
      AccessRule allow = parse(proxyWithTarget("db:5432")).proxies().get(0).allow();
      assertThat(allow).isEqualTo(new AccessRule(Set.of("alice@example.com"), Set.of()));
      GatewayConfig groupsOnly =
          parse(IDENTITY + "proxies:\n  - name: db\n    target: db:1\n    allow: { groups: [g] }");
      assertThat(groupsOnly.proxies().get(0).allow().groups()).containsExactly("g");
    }

    @Test
    @DisplayName("anchors and aliases may share lists between proxies")
    void aliases() throws ConfigException {
      GatewayConfig config =
          parse(
              IDENTITY
                  + """
                  proxies:
                    - name: a
                      target: a:1
                      allow: { groups: &admins [dba, sre] }
                    - name: b
                      target: b:1
                      allow: { groups: *admins }
                  """);
      assertThat(config.proxy("b").orElseThrow().allow().groups()).containsOnly("dba", "sre");
    }
  }

  @Nested
  @DisplayName("limits")
  class LimitsSection {

    @Test
    @DisplayName("caps are non-negative and durations positive ms/s/m/h")
    void badLimits() {
      assertThat(
              problems(
                  proxy(
                      """
                      limits:
                            maxSessions: -1
                            maxSessionsPerUser: -2
                            idleTimeout: 0s
                            maxDuration: 1d
                            connectTimeout: 5
                      """)))
          .containsExactly(
              at(10, 20, "proxies[0].limits.maxSessions must not be negative, got -1"),
              at(11, 27, "proxies[0].limits.maxSessionsPerUser must not be negative, got -2"),
              at(
                  12,
                  20,
                  "proxies[0].limits.idleTimeout must be a positive duration like 500ms, 30s, 30m"
                      + " or 8h, got '0s'"),
              at(
                  13,
                  20,
                  "proxies[0].limits.maxDuration must be a positive duration like 500ms, 30s, 30m"
                      + " or 8h, got '1d'"),
              at(
                  14,
                  23,
                  "proxies[0].limits.connectTimeout must be a positive duration like 500ms, 30s,"
                      + " 30m or 8h, got '5'"));
    }

    @Test
    @DisplayName("resumeWindow: 60s by default, 0 turns resume off, at most 1h, a duration")
    void resumeWindow() throws ConfigException {
      assertThat(
              parse(proxy("limits: { maxSessions: 1 }")).proxies().get(0).limits().resumeWindow())
          .isEqualTo(Duration.ofSeconds(60));
      assertThat(
              parse(proxy("limits: { resumeWindow: 0 }")).proxies().get(0).limits().resumeWindow())
          .isZero();
      assertThat(
              parse(proxy("limits: { resumeWindow: 0s }")).proxies().get(0).limits().resumeWindow())
          .isZero();
      assertThat(
              parse(proxy("limits: { resumeWindow: 90s }"))
                  .proxies()
                  .get(0)
                  .limits()
                  .resumeWindow())
          .isEqualTo(Duration.ofSeconds(90));
      assertThat(
              problems(
                  proxy(
                      """
                      limits:
                            resumeWindow: 2h
                      """)))
          .containsExactly(
              at(
                  10,
                  21,
                  "proxies[0].limits.resumeWindow must be at most 1h (0 turns resume off), got 2h"));
      assertThat(
              problems(
                  proxy(
                      """
                      limits:
                            resumeWindow: -5s
                      """)))
          .containsExactly(
              at(
                  10,
                  21,
                  "proxies[0].limits.resumeWindow must be a positive duration like 500ms, 30s, 30m"
                      + " or 8h, got '-5s'"));
    }

    @Test
    @DisplayName("0 means no cap; unset keys keep their defaults")
    void zeroAndPartialLimits() throws ConfigException {
      Limits limits =
          parse(proxy("limits: { maxSessions: 0, maxSessionsPerUser: 2, idleTimeout: 90s }"))
              .proxies()
              .get(0)
              .limits();
      assertThat(limits)
          .isEqualTo(
              new Limits(
                  0,
                  2,
                  Duration.ofSeconds(90),
                  Duration.ofHours(12),
                  Duration.ofSeconds(10),
                  true));
    }
  }

  @Nested
  @DisplayName("environment substitution")
  class Environment {
    private static final String YAML =
        """
        gateway:
          name: ${NAME}
          port: ${PORT:-9090}
        identity:
          issuers:
            - issuer: ${ISSUER:-http://127.0.0.1:9000/default}
              audiences:
                - ${AUD}
        proxies:
          - name: db
            target: ${DB_HOST}:${DB_PORT:-5432}
            allow:
              groups: ["${GROUP:-dba}"]
        """;

    @Test
    @DisplayName("set variables replace, defaults fill in for unset ones")
    void substitutes() throws ConfigException {
      GatewayConfig config =
          ConfigLoader.parse(
              FILE,
              YAML,
              Map.of("NAME", "edge", "PORT", "7000", "AUD", "ferry-aud", "DB_HOST", "db.internal"));

      assertThat(config.gateway().name()).isEqualTo("edge");
      assertThat(config.gateway().port()).isEqualTo(7000);
      assertThat(config.issuers().get(0).issuer()).isEqualTo("http://127.0.0.1:9000/default");
      assertThat(config.issuers().get(0).audiences()).containsExactly("ferry-aud");
      assertThat(config.proxies().get(0).target()).isEqualTo(new Target("db.internal", 5432));
      assertThat(config.proxies().get(0).allow().groups()).containsExactly("dba");
    }

    @Test
    @DisplayName("defaults apply when unset: port 9090")
    void defaultUsed() throws ConfigException {
      GatewayConfig config =
          ConfigLoader.parse(FILE, YAML, Map.of("NAME", "n", "AUD", "a", "DB_HOST", "h"));
      assertThat(config.gateway().port()).isEqualTo(9090);
    }

    @Test
    @DisplayName("an unset variable without default is an error at its scalar")
    void unsetVariables() {
      assertThat(problems(YAML, Map.of("NAME", "edge")))
          .containsExactly(
              at(8, 11, "environment variable AUD is not set"),
              at(11, 13, "environment variable DB_HOST is not set"));
    }

    @Test
    @DisplayName("substituted values are validated like written ones")
    void substitutedValuesAreValidated() {
      assertThat(
              problems(
                  YAML,
                  Map.of("NAME", "n", "AUD", "a", "DB_HOST", "h", "PORT", "http", "DB_PORT", "0")))
          .containsExactly(
              at(3, 9, "gateway.port must be an integer, got 'http'"),
              at(11, 13, "proxies[0].target 'h:0' must have a port between 1 and 65535"));
    }
  }

  @Nested
  @DisplayName("several mistakes")
  class SeveralMistakes {

    @Test
    @DisplayName("are all reported, in file order, one FILE:LINE:COLUMN line each")
    void allReported() {
      ConfigException e =
          catchThrowableOfType(
              ConfigException.class,
              () ->
                  parse(
                      """
                      gateway:
                        port: 0
                      identity:
                        issuers:
                          - issuer: http://idp.example.com
                            audiences: []
                      proxies:
                        - name: db
                          target: db
                          allow: {}
                          limits: { idleTimeout: 5x }
                        - name: db
                          target: db:1
                          allow: { users: [a] }
                      """));

      assertThat(e.problems())
          .containsExactly(
              at(2, 9, "gateway.port must be between 1 and 65535, got 0"),
              at(
                  5,
                  15,
                  "identity.issuers[0].issuer must be an absolute https URL (http only for"
                      + " 127.0.0.1, localhost or [::1]), got 'http://idp.example.com'"),
              at(6, 18, "identity.issuers[0].audiences must not be empty"),
              at(9, 13, "proxies[0].target 'db' must be host:port or [ipv6]:port"),
              at(10, 5, "allow lists no users or groups"),
              at(
                  11,
                  28,
                  "proxies[0].limits.idleTimeout must be a positive duration like 500ms, 30s, 30m"
                      + " or 8h, got '5x'"),
              at(12, 11, "duplicate proxy name 'db' (first at line 8)"));
      assertThat(e.getMessage().lines())
          .hasSize(7)
          .first()
          .isEqualTo("gw.yaml:2:9: gateway.port must be between 1 and 65535, got 0");
    }
  }

  /** A proxy whose target is on line 7, column 13. */
  private static String proxyWithTarget(String target) {
    return IDENTITY
        + "proxies:\n  - name: db\n    target: "
        + target
        + "\n    allow: { users: [alice@example.com] }\n";
  }

  /** A valid proxy plus {@code extra} on line 9, indented as a proxy key. */
  private static String proxy(String extra) {
    return IDENTITY
        + "proxies:\n  - name: db\n    target: db:5432\n    allow: { users: [a] }\n    "
        + extra
        + "\n";
  }
}
