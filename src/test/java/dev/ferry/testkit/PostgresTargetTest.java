package dev.ferry.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PostgresTargetTest {

  @Test
  @DisplayName("answers select 1 over JDBC on its own port, as user postgres")
  void selectOne() throws Exception {
    try (PostgresTarget pg = PostgresTarget.start()) {
      assertThat(pg.address()).isEqualTo("127.0.0.1:" + pg.port());
      assertThat(pg.jdbcUrl(15432)).startsWith("jdbc:postgresql://127.0.0.1:15432/postgres?");
      try (Connection c = pg.connect(pg.port());
          Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("select 1, current_user")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(1);
        assertThat(rs.getString(2)).isEqualTo(PostgresTarget.USER);
      }
    }
  }
}
