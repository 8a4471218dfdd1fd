package dev.ferry.client.stdio;

import dev.ferry.client.auth.TokenException;
import dev.ferry.client.auth.TokenSource;
import dev.ferry.client.tunnel.TokenRenewer;
import dev.ferry.client.tunnel.Tunnel;
import dev.ferry.client.tunnel.TunnelConnector;
import dev.ferry.client.tunnel.TunnelRefusedException;
import dev.ferry.tunnel.Frame;
import dev.ferry.tunnel.FrameCodec;
import dev.ferry.tunnel.Protocol;
import dev.ferry.tunnel.ProtocolException;
import dev.ferry.tunnel.TunnelError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tunnel over a pair of streams ({@code ferry stdio}, an ssh ProxyCommand). A reader thread
 * sends what the input gives (EOF → EOF frame); a writer thread writes what the gateway sends and
 * closes the output at the gateway's EOF. Both directions are bounded: at most {@link #IN_FLIGHT}
 * DATA frames travel towards the gateway, and WebSocket reads pause while more than {@link
 * #OUT_HIGH} bytes wait for the output.
 */
public final class StdioTunnel {
  private static final Logger log = LoggerFactory.getLogger(StdioTunnel.class);
  static final int IN_FLIGHT = 16;
  static final int OUT_HIGH = 1024 * 1024;
  private static final Object EOF = new Object();
  private static final Object END = new Object();

  /**
   * How the tunnel ended.
   *
   * @param error null when both directions finished normally
   * @param detail the reason in words
   */
  public record Result(TunnelError error, String detail, long bytesUp, long bytesDown) {
    /** The CLI exit code (DESIGN §2): 0 when the tunnel finished normally. */
    public int exitCode() {
      return error == null ? 0 : error.exitCode();
    }
  }

  private final TunnelConnector connector;
  private final String proxy;
  private final TokenSource tokens;

  public StdioTunnel(TunnelConnector connector, String proxy, TokenSource tokens) {
    this.connector = connector;
    this.proxy = proxy;
    this.tokens = tokens;
  }

  /** Opens the tunnel and relays until it ends. Blocks; never closes {@code in}. */
  public Result run(InputStream in, OutputStream out) throws InterruptedException {
    Tunnel tunnel;
    try {
      tunnel = openWithRetry();
    } catch (TunnelRefusedException e) {
      return new Result(e.error(), e.detail(), 0, 0);
    } catch (TokenException e) {
      return new Result(
          TunnelError.UNAUTHENTICATED,
          "no token from " + tokens.describe() + ": " + e.getMessage(),
          0,
          0);
    }
    Session s = new Session(tunnel.channel(), out);
    ExecutorService tokenThread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "ferry-token");
              t.setDaemon(true);
              return t;
            });
    s.renewer =
        new TokenRenewer(
            tunnel.channel().eventLoop(),
            tokens,
            tokenThread,
            Clock.systemUTC(),
            tunnel.channel().alloc(),
            s::sendControl,
            message -> log.warn("{}", message),
            proxy);
    tunnel.channel().eventLoop().execute(() -> s.start(tunnel));
    Thread reader = new Thread(() -> s.readInput(in), "ferry-stdin");
    reader.setDaemon(true);
    reader.start();
    Thread writer = new Thread(s::writeOutput, "ferry-stdout");
    writer.setDaemon(true);
    writer.start();
    Result r;
    try {
      r = s.result.get();
    } catch (ExecutionException e) {
      r = new Result(TunnelError.INTERNAL, String.valueOf(e.getCause()), s.up.get(), s.down.get());
    }
    writer.join(5000);
    tokenThread.shutdownNow();
    return r;
  }

  private Tunnel openWithRetry()
      throws TunnelRefusedException, TokenException, InterruptedException {
    for (int attempt = 0; ; attempt++) {
      String token = tokens.token();
      try {
        return connector.open(proxy, token).get();
      } catch (ExecutionException e) {
        if (e.getCause() instanceof TunnelRefusedException r) {
          boolean tokenProblem =
              r.error() == TunnelError.UNAUTHENTICATED || r.error() == TunnelError.TOKEN_EXPIRED;
          if (tokenProblem && attempt == 0) {
            tokens.invalidate(token);
            continue;
          }
          throw r;
        }
        throw new TunnelRefusedException(TunnelError.INTERNAL, String.valueOf(e.getCause()));
      }
    }
  }

  private static final class Session extends ChannelInboundHandlerAdapter {
    final Channel ws;
    final OutputStream out;
    final CompletableFuture<Result> result = new CompletableFuture<>();
    final LinkedBlockingQueue<Object> toOutput = new LinkedBlockingQueue<>();
    final AtomicLong queued = new AtomicLong();
    final AtomicBoolean paused = new AtomicBoolean();
    final Semaphore inFlight = new Semaphore(IN_FLIGHT);
    final AtomicLong up = new AtomicLong();
    final AtomicLong down = new AtomicLong();
    volatile boolean closing;
    TokenRenewer renewer;
    TunnelError error;
    String detail;
    boolean gatewayEof;
    boolean ended;

    Session(Channel ws, OutputStream out) {
      this.ws = ws;
      this.out = out;
    }

    void start(Tunnel tunnel) {
      ws.pipeline().addLast("stdio", this);
      ws.pipeline().remove("handshake");
      ws.closeFuture().addListener(f -> end());
      if (!ws.isActive()) {
        end();
      }
      renewer.start(tunnel.session().tokenExpiresAt());
      ws.read();
    }

    /** Sends a control frame on the event loop, unless the tunnel is closing. */
    void sendControl(ByteBuf frame) {
      if (closing || !ws.isActive()) {
        frame.release();
        return;
      }
      ws.writeAndFlush(new BinaryWebSocketFrame(frame), ws.voidPromise());
    }

    // ---- event loop ----

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof BinaryWebSocketFrame bin && bin.isFinalFragment()) {
          onFrame(bin);
        } else if (msg instanceof PingWebSocketFrame ping) {
          ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()), ctx.voidPromise());
        } else if (msg instanceof CloseWebSocketFrame close) {
          int code = close.statusCode();
          if (code != 1000) {
            TunnelError e = TunnelError.fromCloseCode(code);
            fail(e == null ? TunnelError.PROTOCOL_ERROR : e, close.reasonText());
          }
          ctx.writeAndFlush(new CloseWebSocketFrame(code > 0 ? code : 1000, null))
              .addListener(f -> ctx.close());
        } else if (!(msg instanceof PongWebSocketFrame)) {
          protocolError("only binary, unfragmented messages are allowed");
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void onFrame(BinaryWebSocketFrame bin) {
      Frame frame;
      try {
        frame = FrameCodec.decode(bin.content());
      } catch (ProtocolException e) {
        protocolError(e.getMessage());
        return;
      }
      if (frame instanceof Frame.Data d) {
        try {
          byte[] bytes = new byte[d.payload().readableBytes()];
          d.payload().readBytes(bytes);
          if (gatewayEof) {
            protocolError("DATA after EOF");
            return;
          }
          queued.addAndGet(bytes.length);
          toOutput.add(bytes);
        } finally {
          d.payload().release();
        }
      } else if (frame instanceof Frame.Eof) {
        gatewayEof = true;
        toOutput.add(EOF);
      } else if (renewer.onFrame(frame)) {
        return;
      } else if (frame instanceof Frame.Notice n) {
        log.info("gateway: {}", n.message());
      }
    }

    private void protocolError(String message) {
      fail(TunnelError.PROTOCOL_ERROR, message);
      ws.writeAndFlush(new CloseWebSocketFrame(TunnelError.PROTOCOL_ERROR.closeCode(), message))
          .addListener(f -> ws.close());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (queued.get() < OUT_HIGH) {
        ctx.read();
      } else {
        paused.set(true);
        // The writer may have drained meanwhile and missed the flag.
        if (queued.get() < OUT_HIGH && paused.compareAndSet(true, false)) {
          ctx.read();
        }
      }
    }

    private void fail(TunnelError e, String why) {
      if (error == null) {
        error = e;
        detail = why;
      }
    }

    private void end() {
      if (ended) {
        return;
      }
      ended = true;
      closing = true;
      renewer.stop();
      toOutput.add(END);
      if (error == null && !gatewayEof) {
        // No close frame: the gateway died or the network dropped, not an orderly end.
        fail(
            TunnelError.GATEWAY_UNREACHABLE,
            "connection to the gateway lost (it closed without ending the tunnel)");
      }
      result.complete(
          new Result(error, error == null ? "completed" : detail, up.get(), down.get()));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fail(TunnelError.GATEWAY_UNREACHABLE, cause.getMessage());
      ctx.close();
    }

    // ---- reader thread: input → gateway ----

    void readInput(InputStream in) {
      byte[] buf = new byte[Protocol.MAX_DATA_PAYLOAD];
      try {
        while (!closing) {
          int n = in.read(buf);
          if (n < 0) {
            ws.writeAndFlush(new BinaryWebSocketFrame(FrameCodec.eof(ws.alloc(), up.get())));
            return;
          }
          if (n == 0) {
            continue;
          }
          inFlight.acquire();
          if (closing) {
            return;
          }
          up.addAndGet(n);
          ws.writeAndFlush(
                  new BinaryWebSocketFrame(
                      FrameCodec.data(ws.alloc(), Unpooled.copiedBuffer(buf, 0, n))))
              .addListener(f -> inFlight.release());
        }
      } catch (IOException e) {
        log.debug("input failed: {}", e.toString());
        ws.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    // ---- writer thread: gateway → output ----

    void writeOutput() {
      long written = 0;
      long nextAck = Protocol.ACK_INTERVAL_BYTES;
      try {
        while (true) {
          Object item = toOutput.poll();
          if (item == null) {
            out.flush();
            item = toOutput.take();
          }
          if (item == END) {
            out.flush();
            return;
          }
          if (item == EOF) {
            out.flush();
            out.close();
            ack(written);
            continue;
          }
          byte[] bytes = (byte[]) item;
          out.write(bytes);
          written += bytes.length;
          down.addAndGet(bytes.length);
          long left = queued.addAndGet(-bytes.length);
          if (written >= nextAck) {
            out.flush();
            ack(written);
            nextAck = written + Protocol.ACK_INTERVAL_BYTES;
          }
          if (left < OUT_HIGH / 2 && paused.compareAndSet(true, false)) {
            ws.read();
          }
        }
      } catch (IOException e) {
        log.debug("output failed: {}", e.toString());
        ws.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private void ack(long total) {
      if (!closing) {
        ws.writeAndFlush(new BinaryWebSocketFrame(FrameCodec.ack(ws.alloc(), total)));
      }
    }
  }
}
