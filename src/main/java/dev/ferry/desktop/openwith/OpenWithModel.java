package dev.ferry.desktop.openwith;

import dev.ferry.desktop.settings.SettingsModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * "Open with…": the command configured for a proxy kind (the user's, else the OS default), run as
 * an argv with {host}, {port} and {user} filled in, on the IO executor. A program that cannot start
 * or exits with an error at once is reported in words. Thread-safe; no JavaFX.
 */
public final class OpenWithModel {
  /** How long a started program is watched for an early failure. */
  static final long WATCH_MS = 1500;

  private final SettingsModel settings;
  private final Map<String, String> defaults;
  private final Launcher launcher;
  private final Executor io;
  private final String user;

  public OpenWithModel(SettingsModel settings, String osName, Launcher launcher, Executor io) {
    this.settings = settings;
    this.defaults = OpenWithDefaults.forOs(osName);
    this.launcher = launcher;
    this.io = io;
    this.user = System.getProperty("user.name", "user");
  }

  /** The command for {@code kind}: the user's, else the default, else "". */
  public String command(String kind) {
    String k = normal(kind);
    String own = settings.get().openWith().get(k);
    return own != null ? own : defaults.getOrDefault(k, "");
  }

  public String defaultCommand(String kind) {
    return defaults.getOrDefault(normal(kind), "");
  }

  /** Remembers {@code command} for {@code kind}; the default's own text stores nothing. */
  public void setCommand(String kind, String command) {
    String k = normal(kind);
    String c = command == null ? "" : command.strip();
    String stored = c.equals(defaultCommand(k)) ? null : c;
    if (!java.util.Objects.equals(settings.get().openWith().get(k), stored)) {
      settings.update(s -> s.withOpenWith(k, stored));
    }
  }

  /** Whether {@code kind} has a command to run. */
  public boolean available(String kind) {
    return !command(kind).isBlank();
  }

  /** {@code command} split and filled in for 127.0.0.1:{@code port}. */
  public List<String> argv(String command, String host, int port) {
    return CommandLine.expand(
        CommandLine.split(command),
        Map.of("host", host, "port", String.valueOf(port), "user", user));
  }

  /**
   * Runs the command of {@code kind} for {@code host}:{@code port}. Completes with a line for the
   * user ("Opened psql.") or fails with an {@link OpenWithException} whose message says what went
   * wrong.
   */
  public CompletableFuture<String> open(String kind, String host, int port) {
    String command = command(kind);
    return CompletableFuture.supplyAsync(() -> run(kind, command, host, port), io);
  }

  private String run(String kind, String command, String host, int port) {
    if (command.isBlank()) {
      throw fail(
          "No \"Open with\" command for "
              + normal(kind)
              + " proxies: set one in Settings → Open with.");
    }
    List<String> argv;
    try {
      argv = argv(command, host, port);
    } catch (IllegalArgumentException e) {
      throw fail("The \"Open with\" command for " + normal(kind) + " has an " + e.getMessage());
    }
    if (argv.isEmpty()) {
      throw fail("The \"Open with\" command for " + normal(kind) + " is empty.");
    }
    String program = argv.get(0);
    Process p;
    try {
      p = launcher.start(argv);
    } catch (IOException e) {
      String m = String.valueOf(e.getMessage());
      if (m.contains("error=2") || m.contains("No such file")) {
        throw fail(
            "Could not open with "
                + program
                + ": command not found. Install it or change the command in Settings → Open"
                + " with.");
      }
      if (m.contains("error=13")) {
        throw fail("Could not open with " + program + ": permission denied.");
      }
      throw fail("Could not open with " + program + ": " + m);
    }
    Output out = new Output(p.getInputStream());
    out.start();
    try {
      if (p.waitFor(WATCH_MS, TimeUnit.MILLISECONDS) && p.exitValue() != 0) {
        out.join(1000);
        String said = out.firstLine();
        throw fail(
            program + " exited with code " + p.exitValue() + (said.isEmpty() ? "." : ": " + said));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return "Opened " + program + ".";
  }

  private static OpenWithException fail(String message) {
    return new OpenWithException(message);
  }

  private static String normal(String kind) {
    return kind == null || kind.isBlank() ? "tcp" : kind.toLowerCase(Locale.ROOT);
  }

  /** The message of a failed {@link #open}, unwrapped. */
  public static String message(Throwable t) {
    Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    return c instanceof OpenWithException ? c.getMessage() : "Could not open: " + c;
  }

  /** Why "Open with…" failed, in the user's words. */
  public static final class OpenWithException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    OpenWithException(String message) {
      super(message);
    }
  }

  /** Keeps the first 2 KiB a program prints and drains the rest, so it never blocks on a pipe. */
  private static final class Output extends Thread {
    private final InputStream in;
    private final StringBuilder kept = new StringBuilder();

    Output(InputStream in) {
      super("ferry-open-with-output");
      this.in = in;
      setDaemon(true);
    }

    @Override
    public void run() {
      byte[] buf = new byte[2048];
      try (in) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          synchronized (kept) {
            if (kept.length() < 2048) {
              kept.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
          }
        }
      } catch (IOException ignored) {
        // the program closed its output
      }
    }

    String firstLine() {
      synchronized (kept) {
        String s = kept.toString().strip();
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
      }
    }
  }
}
