package dev.ferry.desktop.openwith;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.desktop.settings.SettingsModel;
import dev.ferry.desktop.settings.SettingsStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(30)
class OpenWithTest {
  @TempDir Path dir;
  private final ExecutorService io = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    io.shutdownNow();
  }

  @ParameterizedTest(name = "[{0}]")
  @CsvSource(
      delimiter = '|',
      value = {
        "psql -h {host}  -p {port}|psql,-h,{host},-p,{port}",
        "'/Applications/My App/bin/x' --flag|/Applications/My App/bin/x,--flag",
        "\"C:\\Program Files\\DBeaver\\dbeaver.exe\" -con|C:\\Program Files\\DBeaver\\dbeaver.exe,-con",
        "say \"a \\\"quoted\\\" word\"|say,a \"quoted\" word",
        "a\\ b c|a b,c",
        "x '' y|x,,y",
        "osascript -e 'tell app \"T\" to do script \"ssh -p {port}\"'|osascript,-e,tell app \"T\" to do script \"ssh -p {port}\"",
      })
  @DisplayName("splitting respects quotes and escapes, without a shell")
  void split(String line, String words) {
    List<String> expected = List.of(words.split(",", -1));
    assertThat(CommandLine.split(line)).isEqualTo(expected);
  }

  @Test
  @DisplayName("an unclosed quote says which and where")
  void unclosed() {
    assertThatThrownBy(() -> CommandLine.split("psql -c \"select 1"))
        .hasMessage("unclosed \" (double quote) at column 9");
    assertThatThrownBy(() -> CommandLine.split("x 'y")).hasMessageContaining("single quote");
  }

  @Test
  @DisplayName("placeholders are filled in after splitting: a value never becomes two words")
  void expand() {
    List<String> argv =
        CommandLine.expand(
            CommandLine.split("ssh -p {port} {user}@{host} {unknown}"),
            Map.of("host", "127.0.0.1", "port", "2222", "user", "a b; rm -rf"));
    assertThat(argv).containsExactly("ssh", "-p", "2222", "a b; rm -rf@127.0.0.1", "{unknown}");
  }

  private OpenWithModel model(SettingsStore store) {
    return new OpenWithModel(
        new SettingsModel(store, store.load(), Runnable::run), "Linux", Launcher.SYSTEM, io);
  }

  @Test
  @DisplayName("defaults per OS, user commands persisted, the default's own text stores nothing")
  void commands() {
    SettingsStore store = new SettingsStore(dir);
    OpenWithModel m = model(store);
    assertThat(m.command("postgres")).startsWith("x-terminal-emulator -e psql -h {host} -p {port}");
    assertThat(m.available("tcp")).isFalse();
    m.setCommand("tcp", "nc {host} {port}");
    m.setCommand("ssh", m.defaultCommand("ssh"));
    assertThat(store.load().openWith()).isEqualTo(Map.of("tcp", "nc {host} {port}"));
    m.setCommand("postgres", "");
    assertThat(store.load().openWith()).containsEntry("postgres", "");
    assertThat(model(store).available("postgres")).isFalse();
    assertThat(OpenWithDefaults.forOs("Windows 11").get("rdp")).isEqualTo("mstsc /v:{host}:{port}");
    assertThat(CommandLine.split(OpenWithDefaults.forOs("Mac OS X").get("ssh"))).hasSize(3);
  }

  @Test
  @DisplayName("a real launch runs the argv with the port filled in; a missing program is named")
  void launch() throws Exception {
    SettingsStore store = new SettingsStore(dir);
    OpenWithModel m = model(store);
    Path marker = dir.resolve("opened-4321");
    m.setCommand("tcp", "touch '" + dir + "/opened-{port}'");
    assertThat(m.open("tcp", "127.0.0.1", 4321).get(10, TimeUnit.SECONDS))
        .isEqualTo("Opened touch.");
    assertThat(marker).exists();

    m.setCommand("tcp", "ferry-no-such-program-xyz {port}");
    assertThatThrownBy(() -> m.open("tcp", "127.0.0.1", 1).get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .satisfies(
            e ->
                assertThat(OpenWithModel.message(e.getCause()))
                    .isEqualTo(
                        "Could not open with ferry-no-such-program-xyz: command not found."
                            + " Install it or change the command in Settings → Open with."));

    m.setCommand("tcp", "ls " + dir.resolve("missing-file"));
    assertThatThrownBy(() -> m.open("tcp", "127.0.0.1", 1).get(10, TimeUnit.SECONDS))
        .satisfies(
            e ->
                assertThat(OpenWithModel.message(e.getCause()))
                    .startsWith("ls exited with code 2: ")
                    .contains("missing-file"));
    assertThat(Files.exists(marker)).isTrue();
  }

  @Test
  @DisplayName("the settings rows preview the argv and say what is wrong")
  void settingsRows() {
    OpenWithSettingsViewModel vm = new OpenWithSettingsViewModel(model(new SettingsStore(dir)));
    OpenWithSettingsViewModel.Row redis = vm.row("redis");
    redis.commandProperty().set("redis-cli -p {port}");
    assertThat(redis.previewProperty().get()).isEqualTo("Runs: redis-cli -p 5432");
    redis.commandProperty().set("redis-cli \"-p");
    assertThat(redis.previewProperty().get()).startsWith("Cannot run this: unclosed \"");
    redis.reset();
    assertThat(redis.commandProperty().get())
        .isEqualTo(OpenWithDefaults.forOs("Linux").get("redis"));
  }
}
