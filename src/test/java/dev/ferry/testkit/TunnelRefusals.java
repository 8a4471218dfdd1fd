package dev.ferry.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.client.tunnel.Tunnel;
import dev.ferry.client.tunnel.TunnelRefusedException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** For tests of tunnels the gateway must refuse. */
public final class TunnelRefusals {
  private TunnelRefusals() {}

  /**
   * Waits up to {@code wait} for {@code open} and returns its refusal. Fails if the tunnel opened
   * (closing it) or the open failed any other way.
   */
  public static TunnelRefusedException expect(CompletableFuture<Tunnel> open, Duration wait)
      throws Exception {
    try {
      Tunnel t = open.get(wait.toMillis(), TimeUnit.MILLISECONDS);
      t.close();
      throw new AssertionError("tunnel opened, expected a refusal");
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(TunnelRefusedException.class);
      return (TunnelRefusedException) e.getCause();
    }
  }
}
