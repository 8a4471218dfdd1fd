package dev.ferry.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ConfigSummaryTest {

  @Test
  @DisplayName("describes the effective config, defaults included, one line per item")
  void describesEffectiveConfig() throws ConfigException {
    GatewayConfig config =
        ConfigLoader.parse(
            "gw.yaml",
            """
            gateway:
              name: acme
              tls: { cert: /etc/ferry/tls.crt, key: /etc/ferry/tls.key }
            identity:
              issuers:
                - issuer: https://idp.example.com
                  audiences: [ferry]
                  clientId: ferry-cli
            audit:
              file: /var/log/ferry/audit.jsonl
            proxies:
              - name: orders-db
                target: db.internal:5432
                kind: postgres
                allow: { users: [alice@example.com, bob@example.com], groups: [sre, dba] }
                limits: { maxSessions: 5, connectTimeout: 1500ms }
            """,
            Map.of());

    assertThat(ConfigSummary.describe(config).lines())
        .containsExactly(
            "gateway 'acme' bind 0.0.0.0 port 8080, TLS cert /etc/ferry/tls.crt key"
                + " /etc/ferry/tls.key, browser origins: none",
            "issuer https://idp.example.com audiences ferry, login client ferry-cli, scopes openid"
                + " email profile, user claim email, groups claim groups",
            "audit: stdout and /var/log/ferry/audit.jsonl",
            "proxy orders-db (postgres) -> db.internal:5432: allows 2 users and groups dba sre;"
                + " sessions 5 total, unlimited per user; idle 30m, max 12h, connect 1500ms,"
                + " ends with token");
  }

  @Test
  @DisplayName("names no user: allowed users are only counted")
  void keepsUserNamesOutOfTheLog() throws ConfigException {
    GatewayConfig config =
        ConfigLoader.parse(
            "gw.yaml",
            """
            identity:
              issuers:
                - issuer: http://127.0.0.1:9000/default
                  audiences: [ferry]
            proxies:
              - name: box
                target: "[::1]:22"
                allow: { users: [alice@example.com] }
            """,
            Map.of());

    String summary = ConfigSummary.describe(config);

    assertThat(summary)
        .doesNotContain("alice")
        .contains("proxy box (tcp) -> [::1]:22: allows 1 user;")
        .contains("no login client")
        .contains("plain HTTP")
        .contains("audit: stdout" + System.lineSeparator());
  }
}
