package dev.ferry.client.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTokenSourceTest {

  @TempDir Path dir;

  @Test
  @DisplayName("reads and trims the file, and names it in describe()")
  void readsTrimmed() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "  token-one\n");
    FileTokenSource source = new FileTokenSource(file);
    assertThat(source.token()).isEqualTo("token-one");
    assertThat(source.describe()).isEqualTo("--token-file " + file);
  }

  @Test
  @DisplayName("a token rewritten in place is picked up")
  void rotationInPlace() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "token-one\n");
    FileTokenSource source = new FileTokenSource(file);
    assertThat(source.token()).isEqualTo("token-one");
    Files.writeString(file, "token-two-rotated\n");
    assertThat(source.token()).isEqualTo("token-two-rotated");
  }

  @Test
  @DisplayName("a token swapped in by rename (same size, new file) is picked up")
  void rotationByRename() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "token-AAA");
    FileTokenSource source = new FileTokenSource(file);
    assertThat(source.token()).isEqualTo("token-AAA");
    Path next = Files.writeString(dir.resolve("token.next"), "token-BBB");
    Files.setLastModifiedTime(next, Files.getLastModifiedTime(file));
    Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    assertThat(source.token()).isEqualTo("token-BBB");
  }

  @Test
  @DisplayName("an empty file is an error naming the file")
  void emptyFile() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), " \n");
    assertThatThrownBy(() -> new FileTokenSource(file).token())
        .isInstanceOf(TokenException.class)
        .hasMessage("token file " + file + " is empty");
  }

  @Test
  @DisplayName("a missing file is an error naming the file")
  void missingFile() {
    Path file = dir.resolve("absent");
    assertThatThrownBy(() -> new FileTokenSource(file).token())
        .isInstanceOf(TokenException.class)
        .hasMessage("token file " + file + " does not exist");
  }
}
