package dev.ferry.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The shipped examples must stay valid: operators copy them. */
class ExampleConfigsTest {
  // Surefire runs in the project directory.
  private static final Path RESOURCES = Path.of("resources");

  private static GatewayConfig parse(String file, Map<String, String> env)
      throws IOException, ConfigException {
    Path path = RESOURCES.resolve(file);
    return ConfigLoader.parse(path.toString(), Files.readString(path), env);
  }

  @Test
  @DisplayName("gateway.example.yaml is valid and has a postgres, an ssh and a redis proxy")
  void fullExample() throws Exception {
    GatewayConfig config = parse("gateway.example.yaml", Map.of());

    assertThat(config.gateway().name()).isEqualTo("acme-prod");
    assertThat(config.gateway().tls()).isNotNull();
    assertThat(config.issuers()).hasSize(1);
    assertThat(config.proxies())
        .extracting(ProxyConfig::kind)
        .containsExactly("postgres", "ssh", "redis");
  }

  @Test
  @DisplayName("gateway.cloud-run.yaml is valid with the variables Cloud Run would set")
  void cloudRunExample() throws Exception {
    GatewayConfig config =
        parse(
            "gateway.cloud-run.yaml",
            Map.of(
                "PORT",
                "8080",
                "FERRY_AUDIENCE",
                "1234.apps.googleusercontent.com",
                "ORDERS_DB_HOST",
                "10.20.0.3"));

    assertThat(config.gateway().port()).isEqualTo(8080);
    assertThat(config.gateway().tls()).isNull();
    assertThat(config.gateway().publicUrl()).isNull();
    assertThat(config.issuers().get(0).issuer()).isEqualTo("https://accounts.google.com");
    assertThat(config.issuers().get(0).audiences())
        .containsExactly("1234.apps.googleusercontent.com");
    assertThat(config.issuers().get(0).clientId()).isNull();
    assertThat(config.audit().file()).isNull();
    assertThat(config.proxies().get(0).target()).isEqualTo(new Target("10.20.0.3", 5432));
  }

  @Test
  @DisplayName("gateway.cloud-run.yaml refuses to start without its required variables")
  void cloudRunExampleNeedsItsVariables() {
    ConfigException e =
        catchThrowableOfType(
            ConfigException.class, () -> parse("gateway.cloud-run.yaml", Map.of()));

    assertThat(e.problems())
        .extracting(ConfigProblem::message)
        .containsExactly(
            "environment variable FERRY_AUDIENCE is not set",
            "environment variable ORDERS_DB_HOST is not set");
  }
}
