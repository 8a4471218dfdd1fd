package dev.ferry.desktop.forwarders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.desktop.common.Formats;
import dev.ferry.tunnel.TunnelError;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConnectionStringsTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "postgres | postgresql://127.0.0.1:5433/      | jdbc:postgresql://127.0.0.1:5433/",
        "mysql    | mysql -h 127.0.0.1 -P 5433        | jdbc:mysql://127.0.0.1:5433/",
        "ssh      | ssh -p 5433 ann@127.0.0.1         | ",
        "redis    | redis-cli -p 5433                 | ",
        "http     | http://127.0.0.1:5433/            | ",
        "rdp      | mstsc /v:127.0.0.1:5433           | ",
        "tcp      | 127.0.0.1:5433                    | ",
        "kafka    | 127.0.0.1:5433                    | ",
      })
  void perKind(String kind, String connection, String jdbc) {
    assertThat(ConnectionStrings.connectionString(kind, 5433, "ann")).isEqualTo(connection);
    assertThat(ConnectionStrings.jdbcUrl(kind, 5433)).isEqualTo(jdbc);
  }

  @Test
  @DisplayName("refusals read as the user's kind of 'no', then the gateway's detail")
  void reasons() {
    assertThat(ForwarderViewModel.reason(TunnelError.LIMIT_REACHED, "maxSessionsPerUser (3)"))
        .isEqualTo("limit reached (maxSessionsPerUser (3))");
    assertThat(ForwarderViewModel.reason(TunnelError.UPSTREAM_REFUSED, "connection refused"))
        .isEqualTo("upstream down (connection refused)");
    assertThat(ForwarderViewModel.reason(TunnelError.PROXY_NOT_FOUND, null))
        .isEqualTo("not allowed (or no longer offered)");
  }

  @Test
  @DisplayName("bytes, round trips and countdowns")
  void formats() {
    assertThat(Formats.bytes(1000)).isEqualTo("1000 B");
    assertThat(Formats.bytes(1536)).isEqualTo("1.5 KiB");
    assertThat(Formats.bytes(5L * 1024 * 1024)).isEqualTo("5.0 MiB");
    assertThat(Formats.rtt(null)).isEqualTo("—");
    assertThat(Formats.rtt(Duration.ofMillis(12))).isEqualTo("12 ms");
    Instant now = Instant.parse("2025-01-01T00:00:00Z");
    assertThat(Formats.expiry(now, now.plusSeconds(3599))).isEqualTo("token expires in 59:59");
    assertThat(Formats.expiry(now, now.plusSeconds(7500))).isEqualTo("token expires in 2 h 05 min");
    assertThat(Formats.expiry(now, now.minusSeconds(1))).isEqualTo("token expired: renewing…");
  }
}
