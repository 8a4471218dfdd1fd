package dev.ferry.cli;

import dev.ferry.demo.DemoDesktop;
import dev.ferry.demo.DemoUser;
import dev.ferry.demo.DemoWorld;
import dev.ferry.desktop.DesktopMain;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ferry demo [--no-gui]}: the embedded world ({@link DemoWorld}) in this process, plus the
 * desktop app pointed at it (or, with {@code --no-gui}, only printed instructions), until Ctrl-C,
 * SIGTERM or the app's window closing.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Run the demo: an OIDC provider with users alice and bob, a gateway and three demo targets"
          + " on 127.0.0.1, and the desktop app pointed at them. Ctrl-C stops everything."
    })
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--no-gui", description = "do not open the desktop app; print instructions only")
  boolean noGui;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String why =
        noGui
            ? null
            : DesktopMain.cannotShowWindow(System.getProperty("os.name", ""), System.getenv());
    boolean gui = !noGui && why == null;
    if (!noGui && why != null) {
      err.println("ferry demo: " + why + "; running as --no-gui");
      err.flush();
    }

    DemoWorld world;
    try {
      world = DemoWorld.start(System.out);
    } catch (Exception e) {
      throw new CliFailure(1, "the demo could not start: " + e);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Signals.onTermination(
        () -> {
          DemoDesktop.quit();
          world.close();
          stopped.countDown();
        });
    out.print(instructions(world, ferryCommand(), gui));
    out.flush();
    if (gui) {
      // With the JavaFX toolkit up, SIGTERM may still end the JVM directly (exit 143, see the
      // issue note): the hook then still stops the world and removes its temporary folder.
      Runtime.getRuntime().addShutdownHook(new Thread(world::close, "ferry-demo-stop"));
      try {
        DemoDesktop.open(world);
      } finally {
        world.close();
      }
    } else {
      stopped.await();
    }
    out.println("ferry demo stopped");
    out.flush();
    return 0;
  }

  /** What the demo prints once ready: the two lines scripts grep, then the guided tour. */
  static String instructions(DemoWorld world, String ferry, boolean gui) {
    String gw = world.gatewayUrl();
    StringBuilder b = new StringBuilder();
    b.append("gateway: ").append(gw).append('\n');
    b.append("issuer: ").append(world.issuer()).append('\n');
    b.append('\n');
    b.append("ferry demo is running on 127.0.0.1; Ctrl-C stops it.\n");
    if (gui) {
      b.append("The desktop app opens on the demo gateway: press Sign in and pick a user.\n");
    }
    b.append('\n').append("Users (the sign-in page lets you pick one):\n");
    for (DemoUser u : world.users()) {
      b.append(
          String.format(
              "  %-6s %-18s groups %-9s token file %s%n",
              u.name(), u.email(), String.join(",", u.groups()), world.tokenFile(u)));
    }
    b.append('\n').append("Proxies:\n");
    for (DemoWorld.DemoProxy p : world.proxies()) {
      b.append(
          String.format(
              "  %-9s %-4s group %-3s  target 127.0.0.1:%-5d  %s%n",
              p.name(), p.kind(), String.join(",", p.groups()), p.targetPort(), p.description()));
    }
    String alice = " --token-file " + world.tokenFile(DemoUser.ALICE);
    b.append('\n').append("Try it from another terminal:\n");
    b.append("  ").append(ferry).append(" login --gateway ").append(gw).append('\n');
    b.append(
        "      (browser sign-in; where no OS keychain keeps it, add the --token-file shown above"
            + " to the commands below instead)\n");
    b.append("  ").append(ferry).append(" list --gateway ").append(gw).append('\n');
    b.append("  ")
        .append(ferry)
        .append(" connect demo-web --gateway ")
        .append(gw)
        .append(" --port 0")
        .append("      then open http://127.0.0.1:N/ (N from its 'forwarding' line)\n");
    b.append("  ")
        .append(ferry)
        .append(" stdio demo-echo --gateway ")
        .append(gw)
        .append("      type a line, it comes back; Ctrl-D ends\n");
    b.append("  ")
        .append(ferry)
        .append(" connect demo-db --gateway ")
        .append(gw)
        .append(" --port 0")
        .append(alice)
        .append('\n');
    b.append(
        "      alice only (group dba); bob gets 'proxy not found' (exit 3). Then query it through"
            + " the forwarder, with the JDBC URL\n");
    b.append("      ").append(DemoWorld.jdbcUrl("N")).append(" (user demo, password demo), e.g.\n");
    b.append("  java -cp ")
        .append(jarOrClasspath())
        .append(" org.h2.tools.Shell -url ")
        .append(DemoWorld.jdbcUrl("N"))
        .append(" -user demo -password demo -sql \"SELECT * FROM orders\"\n");
    b.append('\n')
        .append("Audit records (session.start / session.end) follow here as JSON lines.\n");
    return b.toString();
  }

  /** How the user runs ferry: the installed launcher, else {@code java -jar PATH}, else ferry. */
  static String ferryCommand() {
    String launcher = System.getProperty("jpackage.app-path");
    if (launcher != null && !launcher.isBlank()) {
      return launcher;
    }
    Path jar = ownJar();
    return jar == null ? "ferry" : "java -jar " + jar;
  }

  private static String jarOrClasspath() {
    Path jar = ownJar();
    return jar == null ? "ferry.jar" : jar.toString();
  }

  /** The jar this class was loaded from, relative to the working folder when inside it. */
  private static Path ownJar() {
    try {
      Path p =
          Path.of(DemoCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (!p.toString().endsWith(".jar")) {
        return null;
      }
      Path cwd = Path.of("").toAbsolutePath();
      return p.startsWith(cwd) ? cwd.relativize(p) : p;
    } catch (URISyntaxException | SecurityException | NullPointerException e) {
      return null;
    }
  }
}
