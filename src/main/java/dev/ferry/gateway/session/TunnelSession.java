package dev.ferry.gateway.session;

import dev.ferry.gateway.audit.AuditLog;
import dev.ferry.gateway.audit.AuditRecord;
import dev.ferry.gateway.auth.TokenVerifier;
import dev.ferry.gateway.auth.VerifiedIdentity;
import dev.ferry.gateway.config.ProxyConfig;
import dev.ferry.gateway.config.Target;
import dev.ferry.gateway.metrics.GatewayMetrics;
import dev.ferry.gateway.policy.SessionLimiter;
import dev.ferry.tunnel.Frame;
import dev.ferry.tunnel.FrameCodec;
import dev.ferry.tunnel.NoticeCode;
import dev.ferry.tunnel.TunnelError;
import dev.ferry.tunnel.relay.Relay;
import dev.ferry.tunnel.relay.RelayListener;
import io.micrometer.core.instrument.Counter;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One established tunnel on the gateway: who, where to, how much, and why it ended. Owns the
 * session's timers (idle, maximum duration; token expiry and in-band re-authentication through its
 * {@link TokenBinding}) and decides how the relay ends. Everything but {@link #id()} and the
 * immutable fields runs on the session's event loop.
 */
public final class TunnelSession implements RelayListener {
  private static final Logger log = LoggerFactory.getLogger(TunnelSession.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** End reasons that count as a normal session in {@code ferry_sessions_total{result="ok"}}. */
  public static final String COMPLETED = "completed";

  public static final String CLIENT_CLOSED = "client-closed";
  public static final String CLIENT_GONE = "client-gone";

  /** How long an ended session's upstream may take to accept what was queued for it. */
  static final long UPSTREAM_CLOSE_GRACE_MS = 2000;

  /** End reason when the client did not resume a dropped WebSocket within the resume window. */
  public static final String RESUME_TIMEOUT = "resume-timeout";

  /**
   * End reason when a new tunnel of the same owner took the slot of this session while it waited
   * for a resume ({@link SessionLimiter}).
   */
  public static final String SUPERSEDED = TunnelError.SUPERSEDED.tag();

  private final String id;
  private final String user;
  private final ProxyConfig proxy;
  private final String clientIp;
  private final TokenBinding token;
  private final SessionLimiter.Permit permit;
  private final AuditLog audit;
  private final GatewayMetrics metrics;
  private final Counter upCounter;
  private final Counter downCounter;
  private final Consumer<TunnelSession> onEnded;

  private Relay relay;
  private EventLoop loop;
  private Instant startedAt;
  private long bytesUp;
  private long bytesDown;
  private long lastDataNanos;
  private String endReason;
  private String endResult;
  private String endDetail;
  private boolean ended;
  private ScheduledFuture<?> idleTimer;
  private ScheduledFuture<?> durationTimer;
  private ScheduledFuture<?> resumeTimer;
  private boolean clientResumes;
  private String ownerIssuer;
  private String ownerSubject;

  /**
   * @param identity who opened the session, from the verified token
   * @param verifier checks fresh tokens sent in-band
   * @param currentProxy the proxy by name as the gateway's configuration has it now (empty when
   *     gone); a fresh token is checked against it, so a changed rule applies at the next renewal
   */
  public TunnelSession(
      VerifiedIdentity identity,
      ProxyConfig proxy,
      String clientIp,
      SessionLimiter.Permit permit,
      AuditLog audit,
      GatewayMetrics metrics,
      TokenVerifier verifier,
      Function<String, Optional<ProxyConfig>> currentProxy,
      Consumer<TunnelSession> onEnded) {
    this.id = newId();
    this.user = identity.user();
    this.proxy = proxy;
    this.clientIp = clientIp;
    this.permit = permit;
    this.audit = audit;
    this.metrics = metrics;
    this.upCounter = metrics.bytesUp(proxy.name());
    this.downCounter = metrics.bytesDown(proxy.name());
    this.onEnded = onEnded;
    this.token =
        new TokenBinding(
            this, identity, new TokenBinding.Checks(verifier, currentProxy), audit.clock());
    permit.onSuperseded(this::supersede);
  }

  /** A random 128-bit id, base64url without padding. */
  static String newId() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  public String id() {
    return id;
  }

  public String user() {
    return user;
  }

  /**
   * The groups of the session's current token (the one that opened it, or the latest accepted
   * in-band); a reloaded config's access rules are re-checked against them.
   */
  public Set<String> groups() {
    return identity().groups();
  }

  public ProxyConfig proxy() {
    return proxy;
  }

  /**
   * Who the session's current token says the caller is (groups included): the token that opened it,
   * or the last fresh one accepted. Safe from any thread; a configuration change re-checks access
   * with it ({@link dev.ferry.gateway.policy.ProxyPolicy}) and ends the session with {@link
   * TunnelError#ACCESS_REVOKED} through {@link #expire}.
   */
  public VerifiedIdentity identity() {
    return token.identity();
  }

  public Target target() {
    return proxy.target();
  }

  public EventLoop eventLoop() {
    return loop;
  }

  /**
   * Whether the client said it can resume ({@code Ferry-Resumable: 1}); without it the session ends
   * when its WebSocket drops, as there is nobody to resume it. Call before {@link #start}.
   */
  public void clientResumes(boolean yes) {
    this.clientResumes = yes;
  }

  /** Records who opened the session (issuer and subject), the only caller who may resume it. */
  public void owner(String issuer, String subject) {
    this.ownerIssuer = issuer;
    this.ownerSubject = subject;
  }

  /** The {@code Ferry-Client-Instance} of the client that opened the session, or null: none. */
  public String clientInstance() {
    return permit.clientInstance();
  }

  /** Whether a caller with this verified issuer, subject and user is the session's owner. */
  public boolean ownedBy(String issuer, String subject, String user) {
    return java.util.Objects.equals(ownerIssuer, issuer)
        && java.util.Objects.equals(ownerSubject, subject)
        && this.user.equals(user);
  }

  /** How long the session waits for a resume after its WebSocket dropped; zero: it does not. */
  public Duration resumeWindow() {
    return clientResumes ? proxy.limits().resumeWindow() : Duration.ZERO;
  }

  /** Whether the relay keeps what it sends so that a dropped WebSocket can be resumed. */
  public boolean resumable() {
    return !resumeWindow().isZero();
  }

  /**
   * Prepares a resume (on the session's loop): the current WebSocket, if the gateway still thinks
   * it alive, is dropped. Returns the DATA bytes received from the client so far (stable until the
   * new WebSocket is attached), or -1 when the session cannot continue from {@code clientReceived}.
   */
  public long prepareResume(long clientReceived) {
    assert loop.inEventLoop();
    if (ended || !resumable() || !relay.canResumeFrom(clientReceived)) {
      return -1;
    }
    if (!relay.isDetached()) {
      relay.detach();
      tunnelLost();
    }
    if (!permit.attaching()) {
      // A new tunnel of the same owner took the slot first; ending() now tells why.
      endSuperseded();
      return -1;
    }
    return relay.receivedBytes();
  }

  /**
   * A resume that {@link #prepareResume} let through failed before its WebSocket was attached: the
   * session waits again (its resume window still runs). On the session's loop.
   */
  public void resumeAbandoned() {
    assert loop.inEventLoop();
    if (!ended && relay.isDetached() && !relay.isTerminating()) {
      permit.waiting();
    }
  }

  /** A new tunnel of the same owner took this waiting session's slot (any thread). */
  private void supersede() {
    loop.execute(this::endSuperseded);
  }

  private void endSuperseded() {
    if (ended || relay.isTerminating()) {
      return;
    }
    setEnd(SUPERSEDED, SUPERSEDED, TunnelError.SUPERSEDED.message());
    cancel(resumeTimer);
    relay.closeTunnel(1001, "replaced by a new tunnel");
    // As in expire: an upstream that stopped reading must not hold the session (and its end
    // record) open.
    loop.schedule(() -> relay.tcp().close(), UPSTREAM_CLOSE_GRACE_MS, TimeUnit.MILLISECONDS);
  }

  /**
   * Continues the session on {@code webSocket} (upgraded, on this session's loop, SESSION already
   * written) after {@link #prepareResume} said yes. Timers and counters carry on.
   */
  public void resume(Channel webSocket, long clientReceived) {
    assert loop.inEventLoop();
    if (ended || relay.isTerminating() || !relay.canResumeFrom(clientReceived)) {
      webSocket.close();
      return;
    }
    cancel(resumeTimer);
    resumeTimer = null;
    relay.attach(webSocket, clientReceived);
    webSocket.closeFuture().addListener(f -> maybeEnd());
    metrics.resume(proxy.name(), "ok");
    log.debug("session {} resumed (#{})", id, relay.resumes());
  }

  /** Replay-buffer figures of the relay, for tests and diagnostics. */
  public long replayPeak() {
    return relay == null ? 0 : relay.replayPeak();
  }

  /**
   * The most DATA bytes from the client that ever waited for the upstream to take them (bounded by
   * the flow-control window plus one frame), for tests and diagnostics.
   */
  public long pendingPeak() {
    return relay == null ? 0 : relay.pendingPeak();
  }

  public int resumes() {
    return relay == null ? 0 : relay.resumes();
  }

  /**
   * The SESSION frame the client gets first. Its token expiry is 0 when the session is not bound to
   * its token ({@code endWithToken: false}), which tells the client not to renew in-band.
   */
  public Frame.Session sessionFrame() {
    return new Frame.Session(
        id,
        proxy.name(),
        proxy.limits().idleTimeout().toMillis(),
        proxy.limits().maxDuration().toMillis(),
        token.bound() ? token.expiresAt().getEpochSecond() : 0,
        resumeWindow().toMillis());
  }

  /**
   * Starts relaying: writes session.start, arms the timers and ends the session (audit, metrics,
   * permit) once both channels are closed. Call on the relay's event loop.
   */
  public void start(Relay relay) {
    this.relay = relay;
    this.loop = relay.webSocket().eventLoop();
    this.startedAt = audit.clock().instant();
    this.lastDataNanos = System.nanoTime();
    metrics.sessionStarted(proxy.name());
    audit.write(record(AuditRecord.START, null));
    relay.webSocket().closeFuture().addListener(f -> maybeEnd());
    relay.tcp().closeFuture().addListener(f -> maybeEnd());
    Duration idle = proxy.limits().idleTimeout();
    if (!idle.isZero()) {
      idleTimer = loop.schedule(this::checkIdle, idle.toNanos(), TimeUnit.NANOSECONDS);
    }
    Duration max = proxy.limits().maxDuration();
    if (!max.isZero()) {
      durationTimer =
          loop.schedule(
              () ->
                  expire(
                      TunnelError.MAX_DURATION,
                      "maximum session duration of "
                          + dev.ferry.gateway.server.Durations.format(max)
                          + " reached"),
              max.toNanos(),
              TimeUnit.NANOSECONDS);
    }
    token.start(loop);
    relay.start();
  }

  private void checkIdle() {
    if (ended || relay.isTerminating()) {
      return;
    }
    long idleNanos = proxy.limits().idleTimeout().toNanos();
    long quiet = System.nanoTime() - lastDataNanos;
    if (quiet >= idleNanos) {
      expire(
          TunnelError.IDLE_TIMEOUT,
          "idle for " + dev.ferry.gateway.server.Durations.format(proxy.limits().idleTimeout()));
    } else {
      idleTimer = loop.schedule(this::checkIdle, idleNanos - quiet, TimeUnit.NANOSECONDS);
    }
  }

  /** Ends the session from the gateway's side: a NOTICE saying why, then the close code. */
  public void expire(TunnelError error, String why) {
    if (!loop.inEventLoop()) {
      loop.execute(() -> expire(error, why));
      return;
    }
    if (relay.isTerminating()) {
      return;
    }
    setEnd(error.tag(), error.tag(), why);
    relay.sendControl(FrameCodec.notice(relay.webSocket().alloc(), NoticeCode.CLOSING, why));
    relay.closeTunnel(error.closeCode(), why);
    // The upstream closes once what was queued for it is written; an upstream that stopped
    // reading (blocked writing to us, and we no longer read) would hold the session open for
    // ever, without its session.end record.
    loop.schedule(() -> relay.tcp().close(), UPSTREAM_CLOSE_GRACE_MS, TimeUnit.MILLISECONDS);
  }

  /** The fresh token passed every check: tell the client until when the session now runs. */
  void tokenAccepted(long expiresAtEpochSecond) {
    relay.sendControl(FrameCodec.tokenAccepted(relay.webSocket().alloc(), expiresAtEpochSecond));
  }

  /** Prompts the client for a fresh token. */
  void noticeTokenExpiring(String message) {
    if (!relay.isTerminating()) {
      relay.sendControl(
          FrameCodec.notice(relay.webSocket().alloc(), NoticeCode.TOKEN_EXPIRING, message));
    }
  }

  boolean terminating() {
    return ended || relay.isTerminating();
  }

  void authFailure(String tag) {
    metrics.authFailure(tag);
  }

  /** The client broke the rules of the protocol on purpose (e.g. a TOKEN flood). */
  void abuse(String message) {
    if (!relay.isTerminating()) {
      protocolError(message);
    }
  }

  /**
   * Closes both connections now, dropping whatever is still queued: the last step of a drain, for
   * tunnels whose close did not complete in time (an upstream that no longer reads can hold a
   * polite close open for ever). The end reason set before (draining) is what the audit records.
   */
  public void abort() {
    if (!loop.inEventLoop()) {
      loop.execute(this::abort);
      return;
    }
    setEnd(TunnelError.DRAINING.tag(), TunnelError.DRAINING.tag(), "the gateway shut down");
    relay.webSocket().close();
    relay.tcp().close();
  }

  /** Tells the client the gateway is shutting down; the tunnel keeps running until it must go. */
  public void noticeDraining() {
    if (!loop.inEventLoop()) {
      loop.execute(this::noticeDraining);
      return;
    }
    relay.sendControl(
        FrameCodec.notice(
            relay.webSocket().alloc(),
            NoticeCode.DRAINING,
            "the gateway is shutting down; reconnect to continue"));
  }

  // ---- RelayListener ----

  @Override
  public void controlFrame(Frame frame) {
    if (frame instanceof Frame.Token t) {
      token.onToken(t);
    }
  }

  @Override
  public void bytesFromTcp(int bytes) {
    bytesDown += bytes;
    downCounter.increment(bytes);
    lastDataNanos = System.nanoTime();
  }

  @Override
  public void bytesFromTunnel(int bytes) {
    bytesUp += bytes;
    upCounter.increment(bytes);
    lastDataNanos = System.nanoTime();
  }

  @Override
  public void tunnelLost() {
    // The upstream stays connected (the relay stopped reading it) until a resume or the window.
    permit.waiting();
    cancel(resumeTimer);
    resumeTimer =
        loop.schedule(
            () -> {
              if (!ended && relay.isDetached() && !relay.isTerminating()) {
                setEnd(
                    RESUME_TIMEOUT,
                    RESUME_TIMEOUT,
                    "not resumed within the resume window of "
                        + dev.ferry.gateway.server.Durations.format(resumeWindow()));
                metrics.resume(proxy.name(), "timeout");
                relay.closeTunnel(1001, "not resumed within the resume window");
              }
            },
            resumeWindow().toNanos(),
            TimeUnit.NANOSECONDS);
  }

  @Override
  public void bothDirectionsDone() {
    setEnd(COMPLETED, "ok");
    relay.closeTunnel(1000, "both directions finished");
  }

  @Override
  public void tcpClosed(Throwable cause) {
    // A cause means the connection failed (reset by the target, say), not an orderly close.
    String why =
        "upstream "
            + proxy.target()
            + (cause != null ? " reset the connection" : " closed the connection");
    setEnd(TunnelError.UPSTREAM_CLOSED.tag(), TunnelError.UPSTREAM_CLOSED.tag(), why);
    relay.closeTunnel(TunnelError.UPSTREAM_CLOSED.closeCode(), why);
  }

  @Override
  public void tunnelClosed(int code, String reason) {
    if (code < 0) {
      setEnd(CLIENT_GONE, CLIENT_GONE);
    } else {
      setEnd(CLIENT_CLOSED, "ok");
    }
    relay.closeTcp();
  }

  @Override
  public void protocolError(String message) {
    setEnd(TunnelError.PROTOCOL_ERROR.tag() + ": " + message, TunnelError.PROTOCOL_ERROR.tag());
    relay.closeTunnel(TunnelError.PROTOCOL_ERROR.closeCode(), "protocol error: " + message);
    // As in expire: a client beyond the flow-control window meets an upstream that stopped
    // reading, and the polite close would wait for it for ever, holding the session open.
    loop.schedule(() -> relay.tcp().close(), UPSTREAM_CLOSE_GRACE_MS, TimeUnit.MILLISECONDS);
  }

  private void setEnd(String reason, String result) {
    setEnd(reason, result, null);
  }

  private void setEnd(String reason, String result, String detail) {
    if (endReason != null) {
      return;
    }
    if (!permit.ending()) {
      // The slot went to a new tunnel of the same owner before anything else ended the session.
      reason = SUPERSEDED;
      result = SUPERSEDED;
      detail = TunnelError.SUPERSEDED.message();
    }
    if (reason.equals(SUPERSEDED)) {
      metrics.resume(proxy.name(), SUPERSEDED);
    }
    endReason = reason;
    endResult = result;
    endDetail = detail;
  }

  /**
   * Why the session ends, once that is decided (it may still be closing), else null. On the
   * session's loop.
   */
  public EndedSessions.Ended ending() {
    if (endReason == null) {
      return null;
    }
    // A session that could not be resumed is never asked about again; nothing to remember.
    Duration retain = resumable() ? resumeWindow().plus(EndedSessions.GRACE) : Duration.ZERO;
    return new EndedSessions.Ended(
        id, proxy.name(), ownerIssuer, ownerSubject, user, endReason, endDetail, retain);
  }

  private void maybeEnd() {
    if (ended || relay.webSocket().isOpen() || relay.tcp().isOpen()) {
      return;
    }
    ended = true;
    cancel(idleTimer);
    cancel(durationTimer);
    token.stop();
    cancel(resumeTimer);
    permit.release();
    setEnd(CLIENT_GONE, CLIENT_GONE);
    metrics.sessionEnded(proxy.name(), endResult);
    audit.write(record(AuditRecord.END, endReason));
    log.debug("session {} ended: {}", id, endReason);
    onEnded.accept(this);
  }

  private static void cancel(ScheduledFuture<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }

  private AuditRecord record(String event, String reason) {
    Instant now = audit.clock().instant();
    return new AuditRecord(
        now,
        event,
        id,
        user,
        proxy.name(),
        proxy.target().toString(),
        clientIp,
        bytesUp,
        bytesDown,
        Duration.between(startedAt, now).toMillis(),
        reason,
        // Which client process opened the session: on its start only, the end is found by its id.
        event.equals(AuditRecord.START) ? permit.clientInstance() : null);
  }
}
