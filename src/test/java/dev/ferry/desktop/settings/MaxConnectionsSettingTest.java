package dev.ferry.desktop.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The "Max connections per forwarder" preference: validated, saved, read back after a restart. */
class MaxConnectionsSettingTest {
  @TempDir Path dir;

  private SettingsViewModel open(SettingsStore store) {
    return new SettingsViewModel(new SettingsModel(store, store.load(), Runnable::run));
  }

  @Test
  @DisplayName("a valid number is saved and comes back after a restart; 0 means no limit")
  void persists() {
    SettingsStore store = new SettingsStore(dir);
    SettingsViewModel vm = open(store);
    assertThat(vm.maxConnectionsTextProperty().get()).isEqualTo("0");
    assertThat(vm.maxConnectionsProperty().get()).isZero();

    vm.maxConnectionsTextProperty().set(" 3 ");
    assertThat(vm.maxConnectionsProblemProperty().get()).isEmpty();
    assertThat(vm.maxConnectionsProperty().get()).isEqualTo(3);
    assertThat(store.load().maxConnections()).isEqualTo(3);

    SettingsViewModel restarted = open(store);
    assertThat(restarted.maxConnectionsTextProperty().get()).isEqualTo("3");
    assertThat(restarted.maxConnectionsProperty().get()).isEqualTo(3);

    restarted.maxConnectionsTextProperty().set("0");
    assertThat(store.load().maxConnections()).isZero();
  }

  @Test
  @DisplayName("anything but 0…10000 is named and the saved limit stays")
  void validated() {
    SettingsStore store = new SettingsStore(dir);
    SettingsViewModel vm = open(store);
    vm.maxConnectionsTextProperty().set("5");
    for (String bad : new String[] {"-1", "abc", "", "2.5", "10001", "99999999999"}) {
      vm.maxConnectionsTextProperty().set(bad);
      assertThat(vm.maxConnectionsProblemProperty().get())
          .as("'%s'", bad)
          .isEqualTo("Enter a whole number from 0 (no limit) to 10000.");
      assertThat(vm.maxConnectionsProperty().get()).isEqualTo(5);
      assertThat(store.load().maxConnections()).isEqualTo(5);
    }
    vm.maxConnectionsTextProperty().set("10000");
    assertThat(vm.maxConnectionsProblemProperty().get()).isEmpty();
    assertThat(store.load().maxConnections()).isEqualTo(10_000);
  }

  @Test
  @DisplayName("an older settings file without the key loads as no limit and keeps the rest")
  void olderFile() throws Exception {
    SettingsStore store = new SettingsStore(dir);
    Files.writeString(
        store.file(),
        """
        {"theme": "DARK", "gateways": ["https://gw.example"], "historyDays": 30,
         "aKeyFromANewerVersion": {"x": 1}}
        """);
    Settings s = store.load();
    assertThat(s.maxConnections()).isZero();
    assertThat(s.theme()).isEqualTo(ThemeChoice.DARK);
    assertThat(s.gateways()).containsExactly("https://gw.example");
    assertThat(s.historyDays()).isEqualTo(30);

    Files.writeString(store.file(), "{\"maxConnections\": -4, \"theme\": \"DARK\"}");
    assertThat(store.load().maxConnections()).as("clamped").isZero();
    Files.writeString(store.file(), "{\"maxConnections\": 123456}");
    assertThat(store.load().maxConnections()).isEqualTo(Settings.MAX_CONNECTIONS);
  }
}
