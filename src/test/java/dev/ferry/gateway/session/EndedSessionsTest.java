package dev.ferry.gateway.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EndedSessionsTest {
  private final AtomicLong nanos = new AtomicLong();
  private final EndedSessions ended = new EndedSessions(3, nanos::get);

  private static EndedSessions.Ended ended(String id, Duration retain) {
    return new EndedSessions.Ended(
        id, "db", "https://idp", "sub-1", "alice", "idle-timeout", "idle for 15m", retain);
  }

  @Test
  void onlyTheOwnerOfTheSameProxyFindsIt() {
    ended.add(ended("s1", Duration.ofMinutes(2)));
    assertThat(ended.find("s1", "db", "https://idp", "sub-1", "alice"))
        .get()
        .extracting(EndedSessions.Ended::describe)
        .isEqualTo("the session ended: idle-timeout (idle for 15m)");
    assertThat(ended.find("s1", "db", "https://idp", "sub-2", "alice")).isEmpty();
    assertThat(ended.find("s1", "db", "https://other", "sub-1", "alice")).isEmpty();
    assertThat(ended.find("s1", "db", "https://idp", "sub-1", "bob")).isEmpty();
    assertThat(ended.find("s1", "web", "https://idp", "sub-1", "alice")).isEmpty();
    assertThat(ended.find("s2", "db", "https://idp", "sub-1", "alice")).isEmpty();
  }

  @Test
  void forgetsAfterItsRetentionAndNeverRemembersUnresumable() {
    ended.add(ended("s1", Duration.ofMinutes(2)));
    ended.add(ended("s2", Duration.ZERO));
    nanos.addAndGet(Duration.ofSeconds(119).toNanos());
    assertThat(ended.find("s1", "db", "https://idp", "sub-1", "alice")).isPresent();
    nanos.addAndGet(Duration.ofSeconds(2).toNanos());
    assertThat(ended.find("s1", "db", "https://idp", "sub-1", "alice")).isEmpty();
    assertThat(ended.find("s2", "db", "https://idp", "sub-1", "alice")).isEmpty();
  }

  @Test
  void boundedWhateverTheRateOfEnds() {
    for (int i = 0; i < 1000; i++) {
      ended.add(ended("s" + i, Duration.ofHours(1)));
    }
    assertThat(ended.size()).isLessThanOrEqualTo(3);
  }
}
