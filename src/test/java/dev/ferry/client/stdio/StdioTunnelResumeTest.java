package dev.ferry.client.stdio;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.client.tunnel.TunnelConnector;
import dev.ferry.testkit.CuttingProxy;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.IssuerWarmup;
import dev.ferry.testkit.Streams;
import dev.ferry.testkit.TcpTarget;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code ferry stdio}'s tunnel survives dropped WebSockets like a forwarded connection: a {@link
 * CuttingProxy} between the tunnel and the gateway resets the connection several times during a
 * transfer each way, and the streams never notice.
 */
class StdioTunnelResumeTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();

  @BeforeAll
  static void warmIssuer() throws Exception {
    IssuerWarmup.warm(fx);
  }

  @Test
  @Timeout(600)
  @DisplayName("32 MiB each way over stdin/stdout, the WebSocket cut 4 times: every byte, exit 0")
  void survivesCuts() throws Exception {
    long size = Long.getLong("ferry.stdio.resume.bytes", 32L << 20);
    int cuts = Integer.getInteger("ferry.stdio.resume.cuts", 4);
    TcpTarget target = fx.target(TcpTarget.sourceAndDigest(size));
    GatewayFixture.Running gw = fx.gateway().proxy("bulk", target).start();
    CuttingProxy cutter = fx.closeAfter(CuttingProxy.start(gw.port()));
    TunnelConnector connector = fx.connectorVia(cutter);
    StdioTunnel tunnel = new StdioTunnel(connector, "bulk", fx.tokens(fx.token(ALICE)));

    CountingInput stdin = new CountingInput(Streams.patternInput(size));
    DigestingOutput stdout = new DigestingOutput(size);
    CompletableFuture<StdioTunnel.Result> run =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return tunnel.run(stdin, stdout);
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });

    int made = 0;
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
    while (made < cuts && !run.isDone() && System.nanoTime() < deadline) {
      long progress = stdin.count.get() + stdout.count.get();
      boolean due = progress >= (made + 1) * 2 * size / (cuts + 2);
      // One cut at a time: the next only after the previous one was resumed.
      if (due && tunnel.resumes() == made && cutter.cut() > 0) {
        made++;
      } else {
        Thread.sleep(2);
      }
    }
    StdioTunnel.Result result = run.get(5, TimeUnit.MINUTES);

    assertThat(result.error()).as(result.detail()).isNull();
    assertThat(result.exitCode()).isZero();
    assertThat(result.detail()).isEqualTo("completed");
    assertThat(made).as("cuts made").isEqualTo(cuts);
    assertThat(tunnel.resumes()).isEqualTo(cuts);
    assertThat(stdout.closed).as("stdout closed at the gateway's EOF").isTrue();
    byte[] expected = Streams.patternDigest(size);
    assertThat(stdout.count.get()).isEqualTo(size + 32);
    assertThat(stdout.digest).as("bytes target → stdout").isEqualTo(expected);
    assertThat(stdout.tail()).as("bytes stdin → target").isEqualTo(expected);
    assertThat(result.bytesUp()).isEqualTo(size);
    assertThat(result.bytesDown()).isEqualTo(size + 32);
    System.out.printf(
        "stdio resume: %d MiB each way, %d cuts, %d resumes, 0 SHA-256 mismatches%n",
        size >> 20, made, tunnel.resumes());

    JsonNode end = gw.awaitOnlySessionEnd(Duration.ofSeconds(30));
    assertThat(end.path("reason").asText()).isEqualTo("completed");
    assertThat(end.path("bytesUp").asLong()).isEqualTo(size);
    assertThat(gw.resumes("bulk", "ok")).isEqualTo(cuts);
  }

  /** Standard input: counts what the tunnel has read. */
  static final class CountingInput extends FilterInputStream {
    final AtomicLong count = new AtomicLong();

    CountingInput(InputStream in) {
      super(in);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count.addAndGet(n);
      }
      return n;
    }
  }

  /**
   * Standard output: hashes the first {@code size} bytes (the target's pattern) and keeps the rest
   * (the target's digest of what it received).
   */
  static final class DigestingOutput extends OutputStream {
    final long size;
    final MessageDigest md = Streams.sha256();
    final ByteArrayOutputStream rest = new ByteArrayOutputStream();
    final AtomicLong count = new AtomicLong();
    volatile byte[] digest;
    volatile boolean closed;

    DigestingOutput(long size) {
      this.size = size;
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      long before = count.get();
      int hashed = (int) Math.max(0, Math.min(len, size - before));
      md.update(b, off, hashed);
      rest.write(b, off + hashed, len - hashed);
      count.addAndGet(len);
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        digest = md.digest();
        closed = true;
      }
    }

    synchronized byte[] tail() {
      return Arrays.copyOf(rest.toByteArray(), 32);
    }
  }
}
