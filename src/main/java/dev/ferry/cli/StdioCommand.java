package dev.ferry.cli;

import dev.ferry.client.stdio.StdioTunnel;
import dev.ferry.client.tunnel.TunnelConnector;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ferry stdio PROXY}: one tunnel on stdin/stdout, for ssh's ProxyCommand. */
@Command(
    name = "stdio",
    mixinStandardHelpOptions = true,
    description = "One tunnel on stdin/stdout (ssh -o ProxyCommand='ferry stdio %%h').")
final class StdioCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ClientOptions client;

  @Parameters(index = "0", paramLabel = "PROXY", description = "proxy name (see ferry list)")
  String proxy;

  @Override
  public Integer call() throws Exception {
    StdioTunnel.Result result;
    // Raw descriptors: System.out is a PrintStream that would swallow write errors.
    try (TunnelConnector connector = client.connector();
        FileInputStream in = new FileInputStream(FileDescriptor.in);
        FileOutputStream out = new FileOutputStream(FileDescriptor.out)) {
      StdioTunnel tunnel = new StdioTunnel(connector, proxy, client.tokens());
      // ssh ends its ProxyCommand with SIGHUP and no goodbye: a close frame now lets the gateway
      // end the session at once rather than hold it, resumable, for its resume window.
      Signals.onTermination(tunnel::stop);
      Signals.onHangup(tunnel::stop);
      result = tunnel.run(in, out);
    }
    if (result.error() != null) {
      throw new CliFailure(result.exitCode(), result.detail());
    }
    return 0;
  }
}
