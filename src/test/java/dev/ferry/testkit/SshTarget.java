package dev.ferry.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;

/**
 * An SSH server (Apache MINA SSHD) on {@code 127.0.0.1:<free port>} with a generated host key,
 * public-key authentication for one generated client key pair, and three exec commands implemented
 * in Java (no shell, so it runs anywhere):
 *
 * <ul>
 *   <li>{@code echo TEXT} — writes {@code TEXT\n};
 *   <li>{@code sha256} — reads stdin to end of file, writes its SHA-256 as lower-case hex and
 *       {@code \n};
 *   <li>{@code cat} — copies stdin to stdout until end of file.
 * </ul>
 *
 * Anything else writes {@code unknown command: ...} to stderr and exits 127. {@link Client} runs
 * those commands through any TCP endpoint (the target itself, a Ferry forwarder, a {@link
 * StdioBridge}) and accepts only this target's host key, so a passing exec proves the bytes reached
 * this server.
 *
 * <pre>{@code
 * try (SshTarget ssh = SshTarget.start(); SshTarget.Client client = ssh.client()) {
 *   SshTarget.ExecResult r = client.exec("127.0.0.1", forwarderPort, "sha256", payload);
 *   assertThat(r.stdoutText().trim()).isEqualTo(SshTarget.sha256Hex(payload));
 * }
 * }</pre>
 */
public final class SshTarget implements AutoCloseable {
  /** The user the client logs in as (any user name is accepted with the right key). */
  public static final String USER = "ferry";

  private final SshServer server;
  private final Path keyDir;
  private final KeyPair clientKey;
  private final PublicKey hostKey;
  private final ExecutorService pool = Pipes.daemonPool("ssh-target-cmd");
  private final AtomicInteger commands = new AtomicInteger();

  private SshTarget(SshServer server, Path keyDir, KeyPair clientKey, PublicKey hostKey) {
    this.server = server;
    this.keyDir = keyDir;
    this.clientKey = clientKey;
    this.hostKey = hostKey;
  }

  /** Generates the keys (EC P-256: fast) and starts listening on {@code 127.0.0.1:0}. */
  public static SshTarget start() throws IOException {
    Path dir = Files.createTempDirectory("ferry-ssh-target");
    KeyPair clientKey = generateEcKey();
    SimpleGeneratorHostKeyProvider hostKeys =
        new SimpleGeneratorHostKeyProvider(dir.resolve("host-key.ser"));
    hostKeys.setAlgorithm(KeyUtils.EC_ALGORITHM);
    hostKeys.setKeySize(256);
    PublicKey hostKey = hostKeys.loadKeys(null).get(0).getPublic();

    SshServer sshd = SshServer.setUpDefaultServer();
    sshd.setHost("127.0.0.1");
    sshd.setPort(0);
    sshd.setKeyPairProvider(hostKeys);
    sshd.setPasswordAuthenticator(null);
    sshd.setKeyboardInteractiveAuthenticator(null);
    sshd.setPublickeyAuthenticator(
        (user, key, session) -> KeyUtils.compareKeys(key, clientKey.getPublic()));
    SshTarget target = new SshTarget(sshd, dir, clientKey, hostKey);
    sshd.setCommandFactory((channel, command) -> target.new JavaCommand(command));
    sshd.start();
    return target;
  }

  /** Always {@code 127.0.0.1}. */
  public String host() {
    return "127.0.0.1";
  }

  public int port() {
    return server.getPort();
  }

  /** {@code host:port}, the form a proxy's {@code target} takes in the gateway config. */
  public String address() {
    return host() + ":" + port();
  }

  /** The key pair the server accepts for public-key authentication. */
  public KeyPair clientKeyPair() {
    return clientKey;
  }

  /** The server's host public key. */
  public PublicKey hostPublicKey() {
    return hostKey;
  }

  /** Exec commands started so far (including unknown ones). */
  public int commandCount() {
    return commands.get();
  }

  /** A new client holding this target's client key and trusting only its host key. */
  public Client client() {
    return new Client(clientKey, hostKey, Client.DEFAULT_TIMEOUT);
  }

  @Override
  public void close() throws IOException {
    try {
      server.stop(true);
    } finally {
      pool.shutdownNow();
      try (var files = Files.walk(keyDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Lower-case hex SHA-256 of {@code data}, as the {@code sha256} command prints it. */
  public static String sha256Hex(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair generateEcKey() throws IOException {
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"));
      return gen.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IOException(e);
    }
  }

  /** Runs one exec request on a pool thread, never a shell. */
  private final class JavaCommand implements Command {
    private final String command;
    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;
    private Future<?> task;

    JavaCommand(String command) {
      this.command = command;
    }

    @Override
    public void setInputStream(InputStream in) {
      this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
      this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
      this.exit = callback;
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
      commands.incrementAndGet();
      task = pool.submit(this::run);
    }

    private void run() {
      int code;
      try {
        code = execute();
        out.flush();
        err.flush();
      } catch (IOException e) {
        code = 1;
      }
      exit.onExit(code);
    }

    private int execute() throws IOException {
      if (command.startsWith("echo ") || command.equals("echo")) {
        String text = command.length() > 5 ? command.substring(5) : "";
        out.write((text + "\n").getBytes(StandardCharsets.UTF_8));
        return 0;
      }
      switch (command) {
        case "sha256":
          MessageDigest sha = sha256();
          byte[] buf = new byte[16 * 1024];
          int n;
          while ((n = in.read(buf)) >= 0) {
            sha.update(buf, 0, n);
          }
          out.write(
              (HexFormat.of().formatHex(sha.digest()) + "\n").getBytes(StandardCharsets.UTF_8));
          return 0;
        case "cat":
          Pipes.copy(in, out);
          return 0;
        default:
          err.write(("unknown command: " + command + "\n").getBytes(StandardCharsets.UTF_8));
          return 127;
      }
    }

    @Override
    public void destroy(ChannelSession channel) {
      if (task != null) {
        task.cancel(true);
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Output and exit status of one exec request. */
  public record ExecResult(int exitStatus, byte[] stdout, byte[] stderr) {
    public String stdoutText() {
      return new String(stdout, StandardCharsets.UTF_8);
    }

    public String stderrText() {
      return new String(stderr, StandardCharsets.UTF_8);
    }
  }

  /**
   * A MINA SSH client that logs in as {@link #USER} with the target's client key and accepts only
   * the target's host key. Each {@link #exec} opens its own session (one TCP connection), so
   * through a Ferry forwarder every call is one tunnel.
   */
  public static final class Client implements AutoCloseable {
    /** Bound for each step (connect, auth, open) and for the whole command. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private final SshClient client;
    private final KeyPair key;
    private final Duration timeout;

    /** A client with an explicit key, trusted host key and timeout. */
    public Client(KeyPair key, PublicKey trustedHostKey, Duration timeout) {
      this.key = key;
      this.timeout = timeout;
      this.client = SshClient.setUpDefaultClient();
      client.setServerKeyVerifier(
          (session, address, serverKey) -> KeyUtils.compareKeys(serverKey, trustedHostKey));
      client.start();
    }

    /**
     * Connects to {@code host:port}, authenticates, runs {@code command} with {@code stdin} (null:
     * none) followed by end of file, and returns once the channel closed.
     *
     * @throws IOException if connecting, authenticating or the host key check fails, or the command
     *     does not finish within the timeout
     */
    public ExecResult exec(String host, int port, String command, byte[] stdin) throws IOException {
      try (ClientSession session = client.connect(USER, host, port).verify(timeout).getSession()) {
        session.addPublicKeyIdentity(key);
        session.auth().verify(timeout);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (ChannelExec channel = session.createExecChannel(command)) {
          channel.setOut(out);
          channel.setErr(err);
          channel.open().verify(timeout);
          try (OutputStream in = channel.getInvertedIn()) {
            if (stdin != null) {
              in.write(stdin);
              in.flush();
            }
          } // close sends EOF
          Set<ClientChannelEvent> events =
              channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), timeout);
          if (events.contains(ClientChannelEvent.TIMEOUT)) {
            throw new IOException("'" + command + "' did not finish within " + timeout);
          }
          Integer status = channel.getExitStatus();
          if (status == null) {
            throw new IOException("'" + command + "' closed without an exit status");
          }
          return new ExecResult(status, out.toByteArray(), err.toByteArray());
        }
      }
    }

    @Override
    public void close() {
      client.stop();
    }
  }
}
