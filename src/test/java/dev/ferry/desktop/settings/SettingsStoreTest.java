package dev.ferry.desktop.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SettingsStoreTest {
  @TempDir Path dir;

  @Test
  @DisplayName("round trip: what was saved is what loads, with no temp file left behind")
  void roundTrip() throws Exception {
    SettingsStore store = new SettingsStore(dir.resolve("ferry"));
    assertThat(store.load()).isEqualTo(Settings.DEFAULTS);
    Settings s =
        Settings.DEFAULTS
            .withTheme(ThemeChoice.DARK)
            .withGateway("https://a.example")
            .withGateway("http://127.0.0.1:8080")
            .withFavorite(Settings.key("https://a.example", "db"), true)
            .withRecent("x")
            .withPort("x", 5432)
            .withPinnedPort("y", 2222)
            .withHistoryDays(30)
            .withOpenWith("ssh", "ssh -p {port} me@{host}")
            .withOpenWith("tcp", "");
    store.save(s);
    assertThat(store.load()).isEqualTo(s);
    try (var files = Files.list(store.file().getParent())) {
      assertThat(files).containsExactly(store.file());
    }
  }

  @Test
  @DisplayName("a damaged file reads as the defaults instead of stopping the app")
  void damaged() throws Exception {
    SettingsStore store = new SettingsStore(dir);
    Files.writeString(store.file(), "{ not json");
    assertThat(store.load()).isEqualTo(Settings.DEFAULTS);
  }

  @Test
  @DisplayName("recents: newest first, no duplicates, at most MAX_RECENTS")
  void recents() {
    Settings s = Settings.DEFAULTS;
    for (int i = 0; i < Settings.MAX_RECENTS + 3; i++) {
      s = s.withRecent("p" + i);
    }
    s = s.withRecent("p5");
    assertThat(s.recents()).hasSize(Settings.MAX_RECENTS).startsWith("p5", "p10", "p9");
    assertThat(s.recents()).doesNotHaveDuplicates();
  }

  @Test
  @DisplayName("the theme follows the choice, and the system only when asked to")
  void theme() {
    SettingsModel model =
        new SettingsModel(new SettingsStore(dir), Settings.DEFAULTS, Runnable::run);
    SettingsViewModel vm = new SettingsViewModel(model);
    assertThat(vm.darkProperty().get()).isFalse();
    vm.systemDarkProperty().set(true);
    assertThat(vm.darkProperty().get()).isTrue();
    vm.themeProperty().set(ThemeChoice.LIGHT);
    assertThat(vm.darkProperty().get()).isFalse();
    assertThat(new SettingsStore(dir).load().theme()).isEqualTo(ThemeChoice.LIGHT);
    vm.themeProperty().set(ThemeChoice.DARK);
    vm.systemDarkProperty().set(false);
    assertThat(vm.darkProperty().get()).isTrue();
  }

  @ParameterizedTest(name = "{0} {1} -> dark {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        "Linux   | Adwaita:dark | ''                         | true",
        "Linux   | ''           | 'prefer-dark'              | true",
        "Linux   | ''           | 'default'                  | false",
        "Linux   | ''           | ''                         | false",
        "Mac OS X| ''           | Dark                       | true",
        "Windows 11| ''         | '    AppsUseLightTheme    REG_DWORD    0x0' | true",
        "Windows 11| ''         | '    AppsUseLightTheme    REG_DWORD    0x1' | false",
      })
  void systemTheme(String os, String gtkTheme, String answer, boolean dark) {
    boolean result =
        SystemTheme.prefersDark(
            os.trim(),
            Map.of("GTK_THEME", gtkTheme.trim()),
            argv -> argv.contains("color-scheme") || !os.contains("Linux") ? answer : "");
    assertThat(result).isEqualTo(dark);
    assertThat(List.of(os)).isNotEmpty();
  }
}
