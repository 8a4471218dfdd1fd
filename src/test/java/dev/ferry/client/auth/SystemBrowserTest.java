package dev.ferry.client.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SystemBrowserTest {

  @Test
  @DisplayName("only web pages are handed to the OS; anything else is declined, never thrown")
  void declinesNonWebUris() {
    assertThat(SystemBrowser.tryOpen(URI.create("file:///etc/passwd"))).isFalse();
    assertThat(SystemBrowser.tryOpen(URI.create("mailto:a@example.com"))).isFalse();
    assertThat(SystemBrowser.tryOpen(URI.create("relative/path"))).isFalse();
  }
}
