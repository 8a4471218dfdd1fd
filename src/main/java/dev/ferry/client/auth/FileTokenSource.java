package dev.ferry.client.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * {@code --token-file}: the file's trimmed content is the token. Re-read whenever the file changed
 * (mtime, size or identity), so a token rotated in place — a Kubernetes projected service account
 * token, a sidecar writing a new one — is picked up without a restart.
 */
public final class FileTokenSource implements TokenSource {

  /** What identifies one version of the file; fileKey changes when a symlink is swapped. */
  private record Version(FileTime modified, long size, Object fileKey) {}

  private final Path file;
  private Version version;
  private String token;

  public FileTokenSource(Path file) {
    this.file = Objects.requireNonNull(file, "file");
  }

  @Override
  public synchronized String token() throws TokenException {
    Version now = stat();
    if (!now.equals(version) || token == null) {
      token = read();
      version = now;
    }
    return token;
  }

  /** The gateway refused the token: read the file again next time, whatever its stat says. */
  @Override
  public synchronized void invalidate(String refused) {
    version = null;
    token = null;
  }

  @Override
  public String describe() {
    return "--token-file " + file;
  }

  private Version stat() throws TokenException {
    try {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      return new Version(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
    } catch (NoSuchFileException e) {
      throw new TokenException("token file " + file + " does not exist", e);
    } catch (IOException e) {
      throw new TokenException("cannot read token file " + file + ": " + e.getMessage(), e);
    }
  }

  private String read() throws TokenException {
    String content;
    try {
      content = Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (NoSuchFileException e) {
      throw new TokenException("token file " + file + " does not exist", e);
    } catch (IOException e) {
      throw new TokenException("cannot read token file " + file + ": " + e.getMessage(), e);
    }
    if (content.isEmpty()) {
      throw new TokenException("token file " + file + " is empty");
    }
    return content;
  }
}
