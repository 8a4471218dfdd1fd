package dev.ferry.gateway.server;

import static dev.ferry.testkit.GatewayFixture.ALICE;
import static dev.ferry.testkit.GatewayFixture.AUDIENCE;
import static dev.ferry.testkit.GatewayFixture.ISSUER_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.SignedJWT;
import dev.ferry.gateway.config.AccessRule;
import dev.ferry.gateway.config.Limits;
import dev.ferry.gateway.config.ProxyConfig;
import dev.ferry.gateway.config.Target;
import dev.ferry.testkit.CountingTcpTarget;
import dev.ferry.testkit.ForgedTokens;
import dev.ferry.testkit.GatewayFixture;
import dev.ferry.testkit.HostileTally;
import dev.ferry.testkit.RawWebSocket;
import dev.ferry.testkit.TcpTarget;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hostile input against a real gateway, each attack class counted ({@code hostile: <class> tried=N
 * accepted=M} in the test output, totals in target/hostile-tally.txt). Pre-authentication attacks
 * aim at proxy {@code guarded}, whose target is a {@link CountingTcpTarget}: it must see no
 * connection at all. Frame attacks happen inside authorized tunnels to an echo target.
 */
@Timeout(180)
class HostileInputTest {
  @RegisterExtension static final GatewayFixture fx = new GatewayFixture();
  static final ForgedTokens forged = new ForgedTokens(fx);
  static final ObjectMapper JSON = new ObjectMapper();

  CountingTcpTarget guarded;
  TcpTarget echo;

  @BeforeEach
  void targets() throws Exception {
    guarded = fx.closeAfter(CountingTcpTarget.start());
    echo = fx.target(TcpTarget.echo());
  }

  @AfterEach
  void noUpstreamBeforeAuthorization(org.junit.jupiter.api.TestInfo info) {
    HostileTally.upstreamBeforeAuthorization(
        info.getDisplayName(), guarded != null ? guarded.acceptedCount() : 0);
    assertThat(guarded.acceptedCount()).isZero();
  }

  GatewayFixture.GatewayBuilder gateway() {
    return fx.gateway()
        .proxy("guarded", guarded.address(), GatewayFixture.relaxed())
        .proxy("echo", echo);
  }

  /**
   * Starts the gateway and waits until it has the issuer's keys (a first fetch can take seconds on
   * a loaded machine), so every attack below meets a warm verifier.
   */
  GatewayFixture.Running start(GatewayFixture.GatewayBuilder builder) throws Exception {
    GatewayFixture.Running gw = builder.start();
    String token = fx.token(ALICE);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              try (RawWebSocket ws = RawWebSocket.connect(gw.port())) {
                ws.request(
                    "GET",
                    "/v1/proxies",
                    Map.of("Host", "x", "Authorization", "Bearer " + token, "Connection", "close"));
                return ws.status() == 200;
              }
            });
    return gw;
  }

  static long nettyMemory() {
    ByteBufAllocatorMetric m = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
    return m.usedDirectMemory() + m.usedHeapMemory();
  }

  /** Opens an authorized raw tunnel to the echo target and reads its SESSION frame. */
  RawWebSocket tunnel(GatewayFixture.Running gw) throws IOException {
    RawWebSocket ws = fx.closeAfter(RawWebSocket.open(gw.port(), "echo", fx.token(ALICE)));
    assertThat(ws.status()).as(ws.head() + ws.body()).isEqualTo(101);
    RawWebSocket.Frame session = ws.readFrame();
    assertThat(session.payload()[0]).isEqualTo((byte) 3);
    return ws;
  }

  // ---- frames inside an open tunnel ----

  @Test
  @DisplayName("oversized frames: refused from the header with 1009, nothing buffered")
  void oversizedFrames() throws Exception {
    GatewayFixture.Running gw = start(gateway());
    long before = nettyMemory();
    int tried = 0;
    int accepted = 0;
    long[] claims = {WebSocketLimits.MAX_FRAME_PAYLOAD + 1L, 1L << 20, 1L << 30, Long.MAX_VALUE};
    for (int i = 0; i < 20; i++) {
      try (RawWebSocket ws = tunnel(gw)) {
        tried++;
        ws.frameHeader(RawWebSocket.BINARY, true, true, claims[i % claims.length]);
        ws.write(new byte[4096]);
        RawWebSocket.Frame close = ws.awaitClose();
        if (close == null || close.closeCode() != 1009) {
          accepted++;
        } else {
          assertThat(close.closeReason()).contains("Max frame length");
        }
      }
    }
    long growth = nettyMemory() - before;
    HostileTally.note(
        "oversized frames claimed up to 2^63 bytes; Netty memory growth " + growth / 1024 + " KiB");
    HostileTally.record("oversized frames", tried, accepted);
    assertThat(accepted).isZero();
    assertThat(growth).isLessThan(16L << 20);
    await().atMost(Duration.ofSeconds(10)).until(() -> gw.audit("session.end").size() == 20);
    assertThat(gw.audit("session.end"))
        .allSatisfy(e -> assertThat(e.path("reason").asText()).startsWith("protocol-error"));
  }

  @Test
  @DisplayName("fragment and continuation floods: the first fragment ends the tunnel (4400)")
  void fragmentFloods() throws Exception {
    GatewayFixture.Running gw = start(gateway());
    byte[] chunk = new byte[1024];
    long before = 0;
    long peakDuringFlood = 0;
    long afterSecond = 0;
    int tried = 0;
    int accepted = 0;
    // The first round warms the allocator's pools and is not measured.
    for (int i = -1; i < 10; i++) {
      if (i == 0) {
        before = nettyMemory();
        tried = 0;
        accepted = 0;
      }
      try (RawWebSocket ws = tunnel(gw)) {
        tried++;
        ws.frame(RawWebSocket.BINARY, false, true, chunk);
        try {
          // 2 MiB of continuations that never finish the message.
          for (int c = 0; c < 2048; c++) {
            ws.frame(RawWebSocket.CONTINUATION, false, true, chunk);
          }
        } catch (IOException cut) {
          // the gateway may cut us off mid-flood
        }
        RawWebSocket.Frame close = ws.awaitClose();
        peakDuringFlood = Math.max(peakDuringFlood, nettyMemory());
        if (i == 1) {
          afterSecond = nettyMemory();
        }
        if (close == null || close.closeCode() != 4400) {
          accepted++;
        } else {
          assertThat(close.closeReason()).contains("fragmented messages are not allowed");
        }
      }
    }
    long peak = peakDuringFlood - before;
    long growth = nettyMemory() - before;
    // The allocator warms its pools (10-20 MiB of chunks here) at different moments of the run,
    // so growth between floods is noise; the bound is on the whole: 20 MiB of flood plus the
    // warm pools. What holds memory down is structural: the first fragment ends the tunnel.
    long acrossFloods = nettyMemory() - afterSecond;
    HostileTally.note(
        "fragment floods, 2 MiB each x 10: Netty memory growth peak "
            + peak / 1024
            + " KiB, at the end "
            + growth / 1024
            + " KiB, from the 2nd flood to the last "
            + acrossFloods / 1024
            + " KiB");
    assertThat(growth).isLessThan(32L << 20);
    HostileTally.record("fragment/continuation floods", tried, accepted);
    assertThat(accepted).isZero();
  }

  @Test
  @DisplayName("unmasked client frames are refused with 1002")
  void unmaskedFrames() throws Exception {
    GatewayFixture.Running gw = start(gateway());
    int tried = 0;
    int accepted = 0;
    int[] opcodes = {RawWebSocket.BINARY, RawWebSocket.PING, RawWebSocket.TEXT};
    for (int i = 0; i < 15; i++) {
      try (RawWebSocket ws = tunnel(gw)) {
        tried++;
        ws.frame(opcodes[i % opcodes.length], true, false, new byte[] {0, 'h', 'i'});
        RawWebSocket.Frame close = ws.awaitClose();
        if (close == null || close.closeCode() != 1002) {
          accepted++;
        } else {
          assertThat(close.closeReason()).contains("not masked");
        }
      }
    }
    HostileTally.record("unmasked client frames", tried, accepted);
    assertThat(accepted).isZero();
    assertThat(echo.received()).isZero();
  }

  @Test
  @DisplayName("a ping flood from a client that does not read: pongs stop, memory stays bounded")
  void pingFlood() throws Exception {
    GatewayFixture.Running gw = start(gateway());
    try (RawWebSocket ws = tunnel(gw)) {
      long before = nettyMemory();
      ByteArrayOutputStream batch = new ByteArrayOutputStream();
      byte[] payload = new byte[125];
      for (int i = 0; i < 1000; i++) {
        batch.write(0x80 | RawWebSocket.PING);
        batch.write(0x80 | payload.length);
        batch.write(new byte[4]);
        batch.write(payload);
      }
      byte[] thousandPings = batch.toByteArray();
      // 48 MiB of pings; the client never reads a pong. Written from another thread so that a
      // gateway that stops reading fails the test within a bound instead of blocking it.
      java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
      java.util.concurrent.CompletableFuture<Void> flood =
          java.util.concurrent.CompletableFuture.runAsync(
              () -> {
                try {
                  while (sent.get() * thousandPings.length / 1000 < (48L << 20)) {
                    ws.write(thousandPings);
                    sent.addAndGet(1000);
                  }
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      try {
        flood.get(120, java.util.concurrent.TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException stuck) {
        ws.close();
        throw new AssertionError("the gateway stopped reading after " + sent.get() + " pings");
      }
      long pings = sent.get();
      long growth = nettyMemory() - before;
      HostileTally.note(
          "ping flood of "
              + pings
              + " pings (not read); Netty memory growth "
              + growth / 1024
              + " KiB");
      assertThat(growth).isLessThan(16L << 20);
      // The tunnel still works afterwards: data goes through once the pongs are read.
      ws.data("still here".getBytes(StandardCharsets.UTF_8));
      String seen = "";
      for (int i = 0; i < 500_000 && !seen.contains("still here"); i++) {
        RawWebSocket.Frame f = ws.readFrame();
        if (f.opcode() == RawWebSocket.BINARY && f.payload()[0] == 0) {
          seen += new String(f.payload(), 1, f.payload().length - 1, StandardCharsets.UTF_8);
        }
      }
      assertThat(seen).contains("still here");
    }
  }

  // ---- before authorization ----

  @Test
  @DisplayName("500 stalled handshakes (slowloris) are held while a real client moves bytes")
  void slowloris() throws Exception {
    GatewayFixture.Running gw = start(gateway().handshakeLimits(Duration.ofSeconds(6), 1024));
    List<RawWebSocket> stalled = new ArrayList<>();
    byte[][] partial = {
      "GET /v1/tunnel/guarded HTTP/1.1\r\nHost: x\r\nUpgrade: webso".getBytes(),
      "GET /v1/tunn".getBytes(),
      "GET /v1/tunnel/guarded HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ".getBytes(),
      new byte[0],
    };
    for (int i = 0; i < 500; i++) {
      RawWebSocket s = fx.closeAfter(RawWebSocket.connect(gw.port()));
      s.write(partial[i % partial.length]);
      stalled.add(s);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> pending(gw) >= 500);
    // A legitimate client is served while the 500 are held.
    try (RawWebSocket ws = tunnel(gw)) {
      byte[] sent = RawWebSocket.random(256 * 1024);
      for (int off = 0; off < sent.length; off += 16 * 1024) {
        ws.data(Arrays.copyOfRange(sent, off, off + 16 * 1024));
      }
      ByteArrayOutputStream back = new ByteArrayOutputStream();
      while (back.size() < sent.length) {
        RawWebSocket.Frame f = ws.readFrame();
        if (f.opcode() == RawWebSocket.BINARY && f.payload()[0] == 0) {
          back.write(f.payload(), 1, f.payload().length - 1);
        }
      }
      assertThat(back.toByteArray()).isEqualTo(sent);
    }
    int stillHeld = pending(gw);
    HostileTally.note(
        "slowloris: legitimate tunnel moved 256 KiB while "
            + stillHeld
            + " stalled connections were held");
    assertThat(stillHeld).isGreaterThanOrEqualTo(500);
    int answered408 = 0;
    int accepted = 0;
    for (RawWebSocket s : stalled) {
      s.readAnswer();
      if (s.status() == 408) {
        answered408++;
        assertThat(s.body()).contains("gateway.handshakeTimeout");
      } else {
        accepted++;
      }
    }
    HostileTally.note("slowloris: " + answered408 + " of 500 closed with 408 after the deadline");
    HostileTally.record("stalled handshakes (slowloris)", stalled.size(), accepted);
    assertThat(accepted).isZero();
    await().atMost(Duration.ofSeconds(10)).until(() -> pending(gw) == 0);
    assertThat(gw.metrics()).contains("ferry_handshake_timeouts_total 500.0");
  }

  static int pending(GatewayFixture.Running gw) {
    Matcher m = Pattern.compile("(?m)^ferry_handshakes_pending ([0-9.]+)").matcher(gw.metrics());
    return m.find() ? (int) Double.parseDouble(m.group(1)) : -1;
  }

  @Test
  @DisplayName("beyond maxPendingHandshakes a new connection gets a quick 503 with the reason")
  void pendingCap() throws Exception {
    GatewayFixture.Running gw = start(gateway().handshakeLimits(Duration.ofSeconds(60), 20));
    List<RawWebSocket> stalled = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      RawWebSocket s = fx.closeAfter(RawWebSocket.connect(gw.port()));
      s.write("GET /v1/tunnel/guarded HTTP/1.1\r\n".getBytes());
      stalled.add(s);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> pending(gw) == 20);
    int tried = 0;
    int accepted = 0;
    for (int i = 0; i < 10; i++) {
      try (RawWebSocket ws = RawWebSocket.open(gw.port(), "guarded", fx.token(ALICE))) {
        tried++;
        if (ws.status() != 503) {
          accepted++;
        } else {
          assertThat(ws.body()).contains("too many pending handshakes");
        }
      }
    }
    HostileTally.record("connections beyond the pending-handshake cap", tried, accepted);
    assertThat(accepted).isZero();
    for (RawWebSocket s : stalled) {
      s.close();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> pending(gw) == 0);
    try (RawWebSocket ws = tunnel(gw)) {
      assertThat(ws.status()).isEqualTo(101);
    }
  }

  @Test
  @DisplayName("header floods and oversized heads: 431 / 400 with the limit")
  void headerFloods() throws Exception {
    GatewayFixture.Running gw = start(gateway());
    String token = fx.token(ALICE);
    int tried = 0;
    int accepted = 0;
    for (int i = 0; i < 40; i++) {
      StringBuilder req = new StringBuilder();
      int expect;
      String reason;
      switch (i % 4) {
        case 0 -> {
          req.append("GET /v1/tunnel/guarded HTTP/1.1\r\nAuthorization: Bearer ").append(token);
          req.append("\r\n");
          for (int h = 0; h < 3000; h++) {
            req.append("X-Flood-").append(h).append(": v\r\n");
          }
          expect = 431;
          reason = "request headers larger than";
        }
        case 1 -> {
          req.append("GET /v1/tunnel/guarded HTTP/1.1\r\nX-Big: ").append("a".repeat(40_000));
          req.append("\r\n");
          expect = 431;
          reason = "request headers larger than";
        }
        case 2 -> {
          req.append("GET /v1/tunnel/guarded?").append("q".repeat(8000)).append(" HTTP/1.1\r\n");
          expect = 400;
          reason = "request line longer than";
        }
        default -> {
          req.append("GET /v1/tunnel/guarded HTTP/1.1\r\nBad Header Without Colon\r\n");
          expect = 400;
          reason = "malformed HTTP request";
        }
      }
      req.append("\r\n");
      try (RawWebSocket ws = RawWebSocket.connect(gw.port())) {
        tried++;
        ws.sendHead(req.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (ws.status() != expect) {
          accepted++;
        } else {
          assertThat(ws.body()).contains(reason);
        }
      }
    }
    HostileTally.record("header floods / oversized request heads", tried, accepted);
    assertThat(accepted).isZero();
  }

  @Test
  @DisplayName("non-WebSocket requests on the tunnel path: a clear 4xx")
  void nonWebSocketRequests() throws Exception {
    GatewayFixture.Running gw = start(gateway());
    String token = fx.token(ALICE);
    List<Map<String, String>> variants = new ArrayList<>();
    List<String> methods = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    Map<String, String> plain =
        new HashMap<>(Map.of("Host", "x", "Authorization", "Bearer " + token));
    variants.add(plain);
    methods.add("GET");
    reasons.add("not a WebSocket upgrade request");
    for (String method : List.of("POST", "PUT", "DELETE", "HEAD", "OPTIONS")) {
      Map<String, String> h = RawWebSocket.upgradeHeaders();
      h.put("Authorization", "Bearer " + token);
      if (!method.equals("HEAD")) {
        h.put("Content-Length", "0");
      }
      variants.add(h);
      methods.add(method);
      reasons.add("is not allowed");
    }
    String[][] broken = {
      {"Sec-WebSocket-Protocol", "ferry.v2"},
      {"Sec-WebSocket-Protocol", "chat, superchat"},
      {"Sec-WebSocket-Version", "8"},
      {"Sec-WebSocket-Version", "0"},
      {"Upgrade", "h2c"},
      {"Connection", "keep-alive"},
      {"Sec-WebSocket-Key", null},
      {"Sec-WebSocket-Protocol", null},
    };
    for (String[] b : broken) {
      Map<String, String> h = RawWebSocket.upgradeHeaders();
      h.put("Authorization", "Bearer " + token);
      if (b[1] == null) {
        h.remove(b[0]);
      } else {
        h.put(b[0], b[1]);
      }
      variants.add(h);
      methods.add("GET");
      reasons.add(
          b[0].equals("Sec-WebSocket-Protocol") ? "subprotocol" : "not a WebSocket upgrade");
    }
    int tried = 0;
    int accepted = 0;
    for (int i = 0; i < variants.size(); i++) {
      try (RawWebSocket ws = RawWebSocket.connect(gw.port())) {
        tried++;
        ws.request(methods.get(i), "/v1/tunnel/guarded", variants.get(i));
        boolean clear4xx = ws.status() >= 400 && ws.status() < 500;
        if (!clear4xx) {
          accepted++;
        } else if (!methods.get(i).equals("HEAD")) {
          assertThat(ws.body()).as(methods.get(i) + " " + variants.get(i)).contains(reasons.get(i));
        }
      }
    }
    HostileTally.record("non-WebSocket requests on the tunnel path", tried, accepted);
    assertThat(accepted).isZero();
  }

  @Test
  @DisplayName("a foreign Origin (cross-site WebSocket hijacking) is 403")
  void foreignOrigin() throws Exception {
    GatewayFixture.Running gw = start(gateway().allowedOrigins("https://ferry.example"));
    String token = fx.token(ALICE);
    List<String> origins =
        List.of(
            "https://evil.example",
            "null",
            "http://ferry.example",
            "https://ferry.example.evil.example",
            "https://ferry.example:444",
            "https://FERRY.example.",
            "file://",
            "https://ferry.example/");
    int tried = 0;
    int accepted = 0;
    for (String origin : origins) {
      Map<String, String> h = RawWebSocket.upgradeHeaders();
      h.put("Authorization", "Bearer " + token);
      h.put("Origin", origin);
      try (RawWebSocket ws = RawWebSocket.connect(gw.port())) {
        tried++;
        ws.request("GET", "/v1/tunnel/guarded", h);
        if (ws.status() != 403) {
          accepted++;
        } else {
          assertThat(ws.body()).contains("is not allowed");
        }
      }
    }
    HostileTally.record("foreign Origin", tried, accepted);
    assertThat(accepted).isZero();
  }

  /** Captures what the gateway logs (slf4j-simple writes to System.err) during {@code body}. */
  static String logsDuring(ThrowingRunnable body) throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      body.run();
    } finally {
      System.setErr(original);
    }
    String logs = captured.toString(StandardCharsets.UTF_8);
    original.print(logs);
    return logs;
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  @DisplayName("a token in the query string or a cookie is ignored (401 no token) and never logged")
  void tokenOutsideTheHeader() throws Exception {
    GatewayFixture.Running gw = start(gateway());
    String token = fx.token(ALICE);
    int[] counts = new int[2];
    String logs =
        logsDuring(
            () -> {
              List<String> paths =
                  List.of(
                      "/v1/tunnel/guarded?access_token=" + token,
                      "/v1/tunnel/guarded?token=" + token + "&x=1",
                      "/v1/tunnel/guarded?authorization=Bearer%20" + token);
              List<Map.Entry<String, String>> headers =
                  List.of(
                      Map.entry("Cookie", "access_token=" + token),
                      Map.entry("Cookie", "token=" + token + "; id_token=" + token),
                      Map.entry("Cookie", "Authorization=Bearer " + token),
                      Map.entry("Sec-WebSocket-Protocol", "ferry.v1, bearer." + token),
                      Map.entry("X-Access-Token", token),
                      Map.entry("Proxy-Authorization", "Bearer " + token));
              for (int i = 0; i < paths.size() + headers.size(); i++) {
                Map<String, String> h = RawWebSocket.upgradeHeaders();
                String path = "/v1/tunnel/guarded";
                if (i < paths.size()) {
                  path = paths.get(i);
                } else {
                  Map.Entry<String, String> e = headers.get(i - paths.size());
                  h.put(e.getKey(), e.getValue());
                }
                try (RawWebSocket ws = RawWebSocket.connect(gw.port())) {
                  counts[0]++;
                  ws.request("GET", path, h);
                  if (ws.status() != 401) {
                    counts[1]++;
                  } else {
                    assertThat(ws.body()).contains("missing bearer token");
                  }
                }
              }
            });
    HostileTally.record("token in query string / cookie / other headers", counts[0], counts[1]);
    assertThat(counts[1]).isZero();
    assertThat(logs).doesNotContain(token);
    assertThat(gw.auditLines()).noneMatch(l -> l.contains(token));
    String signature = token.substring(token.lastIndexOf('.') + 1);
    assertThat(gw.metrics()).doesNotContain(signature);
  }

  @Test
  @DisplayName("forged tokens end to end: alg none, HS256 with the public key, jku/x5u/jwk headers")
  void forgedTokens() throws Exception {
    GatewayFixture.Running gw = start(gateway());
    try (CountingTcpTarget keyHost = CountingTcpTarget.start()) {
      URI jwks = URI.create("http://" + keyHost.address() + "/jwks.json");
      RSAKey attacker = new RSAKeyGenerator(2048).keyID("attacker").generate();
      String issuerKid = forged.issuerKey().getKeyID();
      List<String> tokens = new ArrayList<>();
      tokens.add(forged.algNone(ALICE));
      tokens.add(forged.hmacWithPublicKey(ALICE));
      tokens.add(forged.unknownKid(ALICE));
      tokens.add(ForgedTokens.tampered(fx.token(ALICE)));
      for (String kid : new String[] {"attacker", issuerKid}) {
        tokens.add(
            signed(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).jwkURL(jwks), attacker));
        tokens.add(
            signed(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).x509CertURL(jwks), attacker));
        tokens.add(
            signed(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).jwk(attacker.toPublicJWK()),
                attacker));
      }
      tokens.add(fx.token(ALICE) + "." + "e30");
      tokens.add(
          fx.token(ALICE)
              .replaceFirst("^[^.]+", Base64URL.encode("{\"alg\":\"none\"}").toString()));
      int accepted = 0;
      for (String token : tokens) {
        try (RawWebSocket ws = RawWebSocket.open(gw.port(), "guarded", token)) {
          if (ws.status() != 401) {
            accepted++;
          }
        }
      }
      HostileTally.record(
          "forged tokens (alg none, HS256/public key, kid, jku, x5u, jwk)",
          tokens.size(),
          accepted);
      assertThat(accepted).isZero();
      assertThat(keyHost.acceptedCount()).as("jku/x5u never fetched").isZero();
    }
  }

  String signed(JWSHeader.Builder header, RSAKey key) throws Exception {
    SignedJWT jwt = new SignedJWT(header.build(), forged.claims(ALICE));
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  @Test
  @DisplayName("an ES256 signature of zeros (CVE-2022-21449 style) is refused")
  void es256ZeroSignature() throws Exception {
    GatewayFixture.Running gw = start(gateway());
    String rsaKid = forged.issuerKey().getKeyID();
    byte[][] signatures = {new byte[64], new byte[0], new byte[72], new byte[32]};
    int tried = 0;
    int accepted = 0;
    for (String kid : new String[] {rsaKid, "ec-1", null}) {
      for (byte[] sig : signatures) {
        JWSHeader.Builder header = new JWSHeader.Builder(JWSAlgorithm.ES256);
        if (kid != null) {
          header.keyID(kid);
        }
        String jwt =
            header.build().toBase64URL()
                + "."
                + Base64URL.encode(forged.claims(ALICE).toString())
                + "."
                + Base64URL.encode(sig);
        try (RawWebSocket ws = RawWebSocket.open(gw.port(), "guarded", jwt)) {
          tried++;
          if (ws.status() != 401) {
            accepted++;
          }
        }
      }
    }
    HostileTally.record("ES256 signatures of zeros", tried, accepted);
    assertThat(accepted).isZero();
  }

  @Test
  @DisplayName("claims that try to inject log lines: audit stays one JSON object per line")
  void logInjectionThroughClaims() throws Exception {
    GatewayFixture.Running gw = start(gateway());
    String fake = "{\"event\":\"session.start\",\"user\":\"" + ALICE + "\"}";
    List<Map<String, Object>> hostile =
        List.of(
            Map.of("email", "mallory@example.com\n" + fake, "groups", List.of("dev")),
            Map.of("email", "mallory@example.com\r\n" + fake, "groups", List.of("dba\n" + fake)),
            Map.of("email", "\u001b[2J\u001b[31mroot\u001b[0m", "groups", List.of("dba\r")),
            Map.of(
                "email",
                ALICE,
                "sub",
                "x\n" + fake + "\u001b[1A",
                "groups",
                List.of("\u001b]0;pwn\u0007")),
            Map.of("email", "mallory@example.com\u2028" + fake, "sub", "\u0000\u0085"));
    int[] counts = new int[2];
    String logs =
        logsDuring(
            () -> {
              for (Map<String, Object> claims : hostile) {
                String token = fx.token(ISSUER_ID, AUDIENCE, claims);
                try (RawWebSocket ws = RawWebSocket.open(gw.port(), "echo", token)) {
                  counts[0]++;
                  if (ws.status() == 101) {
                    // Only the one with alice's own email gets in; her tunnel is then closed,
                    // with a close frame (a bare cut would wait out the resume window).
                    assertThat(claims.get("email")).isEqualTo(ALICE);
                    ws.frame(0x8, true, true, new byte[] {0x03, (byte) 0xE8});
                  }
                }
              }
              await()
                  .atMost(Duration.ofSeconds(10))
                  .until(() -> gw.audit("session.end").size() == 1);
            });
    List<String> lines = gw.auditLines();
    assertThat(lines).hasSize(4 + 2);
    for (String line : lines) {
      JsonNode n = JSON.readTree(line);
      if (!n.isObject() || line.contains("\n") || line.contains("\r") || line.contains("\u001b")) {
        counts[1]++;
      }
    }
    // Every record is the gateway's own: no forged session.start for alice from mallory's token.
    assertThat(gw.audit("session.start")).hasSize(1);
    assertThat(gw.audit("session.denied")).hasSize(4);
    for (String logLine : logs.split("\n")) {
      if (logLine.startsWith("{\"event\"") || logLine.contains("\u001b")) {
        counts[1]++;
      }
    }
    HostileTally.record("claims injecting log lines (newline/CR/ANSI)", counts[0], counts[1]);
    assertThat(counts[1]).isZero();
  }

  @Test
  @DisplayName("targets that are or resolve to link-local addresses are refused (502)")
  void linkLocalTargets() throws Exception {
    GatewayFixture.Running gw =
        start(
            gateway()
                .proxy("meta", "169.254.169.254:80", GatewayFixture.relaxed())
                .proxy("v6", "[fe80::1]:22", GatewayFixture.relaxed())
                .proxy("mapped", "[::ffff:169.254.169.254]:80", GatewayFixture.relaxed())
                .proxy("metalo", "169.254.0.1:80", GatewayFixture.relaxed())
                .proxy(
                    new ProxyConfig(
                        "allowed",
                        "",
                        Target.parse("169.254.169.254:80"),
                        "http",
                        List.of(),
                        new AccessRule(Set.of(ALICE), Set.of()),
                        new Limits(
                            0,
                            0,
                            Duration.ofMinutes(1),
                            Duration.ofHours(1),
                            Duration.ofMillis(300),
                            false),
                        true)));
    int tried = 0;
    int accepted = 0;
    for (String proxy : List.of("meta", "v6", "mapped", "metalo")) {
      try (RawWebSocket ws = RawWebSocket.open(gw.port(), proxy, fx.token(ALICE))) {
        tried++;
        if (ws.status() != 502) {
          accepted++;
        } else {
          assertThat(ws.body())
              .contains("urn:ferry:error:upstream-refused")
              .contains("resolves to link-local address")
              .contains("allowLinkLocal");
        }
      }
    }
    HostileTally.record("link-local targets (169.254.0.0/16, fe80::/10)", tried, accepted);
    assertThat(accepted).isZero();
    assertThat(gw.audit("session.denied"))
        .hasSize(4)
        .allSatisfy(
            d ->
                assertThat(d.path("reason").asText())
                    .startsWith("upstream-refused: upstream host ")
                    .contains("link-local"));
    // With allowLinkLocal: true the gateway does try (here: nothing answers, or something does).
    try (RawWebSocket ws = RawWebSocket.open(gw.port(), "allowed", fx.token(ALICE))) {
      assertThat(ws.status()).isIn(101, 502, 504);
      assertThat(ws.body()).doesNotContain("link-local");
    }
  }

  @Test
  @DisplayName(
      "a keep-alive connection idle after a plain answer is closed quietly at the deadline")
  void idleKeepAlive() throws Exception {
    GatewayFixture.Running gw = start(gateway().handshakeLimits(Duration.ofMillis(500), 1024));
    try (RawWebSocket ws = RawWebSocket.connect(gw.port())) {
      ws.request("GET", "/healthz", Map.of("Host", "x"));
      assertThat(ws.status()).isEqualTo(200);
      assertThat(ws.closedByPeer()).isTrue();
    }
    assertThat(gw.metrics()).contains("ferry_handshake_timeouts_total 0.0");
  }
}
