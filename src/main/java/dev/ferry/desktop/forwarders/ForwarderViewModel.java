package dev.ferry.desktop.forwarders;

import dev.ferry.client.forward.Forwarder;
import dev.ferry.client.forward.ForwarderListener;
import dev.ferry.client.forward.ForwarderStats;
import dev.ferry.client.history.Outcome;
import dev.ferry.client.history.SessionRecord;
import dev.ferry.desktop.common.Formats;
import dev.ferry.desktop.gateways.Account;
import dev.ferry.desktop.gateways.GatewayViewModel;
import dev.ferry.desktop.openwith.OpenWithModel;
import dev.ferry.tunnel.TunnelError;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.LongProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleLongProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * One running forwarder and its live stats. {@link #sample} reads the core's thread-safe snapshot
 * once a second (on the UI executor) and keeps the last {@value #WINDOW} seconds of rates; the
 * forwarder's events (refusals, notices) arrive on I/O threads and hop to the UI executor.
 */
public final class ForwarderViewModel implements ForwarderListener {
  public static final int WINDOW = 60;
  static final int MAX_REFUSALS = 20;

  /** Bytes per second each way during the second that ended at {@code second}. */
  public record RatePoint(long second, double upPerSecond, double downPerSecond) {}

  /** A live local connection as a table row. */
  public record ConnectionRow(
      int clientPort, String since, String bytesUp, String bytesDown, String state) {}

  private final GatewayViewModel gateway;
  private final String gatewayName;
  private final String proxy;
  private final String kind;
  private final Executor ui;
  private Forwarder forwarder;
  private volatile int port;
  private volatile Consumer<SessionRecord> sessions = s -> {};
  private OpenWithModel openWith;
  private ForwarderStats previous;
  private long second;

  private final IntegerProperty active = new SimpleIntegerProperty();
  private final LongProperty bytesUp = new SimpleLongProperty();
  private final LongProperty bytesDown = new SimpleLongProperty();
  private final StringProperty bytesUpText = new SimpleStringProperty(Formats.bytes(0));
  private final StringProperty bytesDownText = new SimpleStringProperty(Formats.bytes(0));
  private final StringProperty totals = new SimpleStringProperty("");
  private final LongProperty limited = new SimpleLongProperty();
  private final IntegerProperty maxConnections = new SimpleIntegerProperty();
  private final StringProperty limitedText = new SimpleStringProperty("");
  private final StringProperty rtt = new SimpleStringProperty(Formats.rtt(null));
  private final StringProperty expiry = new SimpleStringProperty("");
  private final StringProperty lastRefusal = new SimpleStringProperty("");
  private final StringProperty notice = new SimpleStringProperty("");
  private final Set<Integer> resumingPorts = new HashSet<>();

  /** Resumes per live local connection (by client port), for its history record; any thread. */
  private final Map<Integer, Integer> connectionResumes = new ConcurrentHashMap<>();

  private final IntegerProperty resuming = new SimpleIntegerProperty();
  private final LongProperty resumes = new SimpleLongProperty();
  private final StringProperty resumeText = new SimpleStringProperty("");
  private final StringProperty openWithStatus = new SimpleStringProperty("");
  private final StringProperty openWithProblem = new SimpleStringProperty("");
  private final ObservableList<RatePoint> rates = FXCollections.observableArrayList();
  private final ObservableList<ConnectionRow> connections = FXCollections.observableArrayList();
  private final ObservableList<String> refusals = FXCollections.observableArrayList();

  public ForwarderViewModel(GatewayViewModel gateway, String proxy, String kind, Executor ui) {
    this.gateway = gateway;
    this.gatewayName = gateway.nameProperty().get();
    this.proxy = proxy;
    this.kind = kind;
    this.ui = ui;
  }

  /**
   * Where this forwarder's sessions are recorded and how "Open with…" runs (called before the
   * forwarder starts).
   */
  void connect(Consumer<SessionRecord> sessions, OpenWithModel openWith) {
    this.sessions = sessions == null ? s -> {} : sessions;
    this.openWith = openWith;
  }

  /** The started forwarder (called once, on the UI executor). */
  void attach(Forwarder f) {
    this.forwarder = f;
    this.port = f.port();
  }

  Forwarder forwarder() {
    return forwarder;
  }

  /** Takes one sample of the forwarder's counters; call once a second. */
  public void sample(Instant now) {
    Account a = gateway.accountProperty().get();
    expiry.set(
        a == null ? "not signed in: new connections wait" : Formats.expiry(now, a.expiresAt()));
    if (forwarder == null) {
      return;
    }
    ForwarderStats s = forwarder.stats();
    active.set(s.activeConnections());
    bytesUp.set(s.bytesUp());
    bytesDown.set(s.bytesDown());
    bytesUpText.set(Formats.bytes(s.bytesUp()));
    bytesDownText.set(Formats.bytes(s.bytesDown()));
    totals.set(
        s.totalConnections()
            + " connection"
            + (s.totalConnections() == 1 ? "" : "s")
            + (s.refusedConnections() == 0 ? "" : ", " + s.refusedConnections() + " refused")
            + (s.maxConnections() == 0 ? "" : " · at most " + s.maxConnections() + " at once"));
    limited.set(s.limitedConnections());
    maxConnections.set(s.maxConnections());
    limitedText.set(limitedText(s.limitedConnections(), s.maxConnections()));
    rtt.set(Formats.rtt(forwarder.lastRtt()));
    if (previous != null) {
      rates.add(
          new RatePoint(
              second, s.bytesUp() - previous.bytesUp(), s.bytesDown() - previous.bytesDown()));
      if (rates.size() > WINDOW) {
        rates.remove(0, rates.size() - WINDOW);
      }
    }
    second++;
    previous = s;
    List<ConnectionRow> rows =
        forwarder.connections().stream()
            .map(
                c ->
                    new ConnectionRow(
                        c.clientPort(),
                        Formats.age(Duration.between(c.since(), now)) + " ago",
                        Formats.bytes(c.bytesUp()),
                        Formats.bytes(c.bytesDown()),
                        switch (c.state()) {
                              case OPEN -> "open";
                              case OPENING -> "opening…";
                              case RESUMING -> "reconnecting…";
                            }
                            + (c.resumes() == 0 ? "" : " (resumed " + c.resumes() + "×)")))
            .toList();
    connections.setAll(rows);
  }

  @Override
  public void connectionRefused(int localPort, TunnelError error, String detail) {
    String text = "Connection from port " + localPort + " refused: " + reason(error, detail);
    showRefusal(text);
  }

  /** {@code text} becomes the last refusal and heads the list, which keeps the newest few. */
  private void showRefusal(String text) {
    ui.execute(
        () -> {
          lastRefusal.set(text);
          refusals.add(0, text);
          if (refusals.size() > MAX_REFUSALS) {
            refusals.remove(MAX_REFUSALS, refusals.size());
          }
        });
  }

  /** "2 connections turned away by the limit of 1 at once"; empty when none was. */
  static String limitedText(long limited, int max) {
    if (limited == 0) {
      return "";
    }
    return limited
        + " connection"
        + (limited == 1 ? "" : "s")
        + " turned away by the limit of "
        + max
        + " at once";
  }

  @Override
  public void connectionLimited(int localPort, String message) {
    String text = "Connection from port " + localPort + " closed: " + message;
    showRefusal(text);
  }

  @Override
  public void connectionRefused(int localPort, Instant openedAt, TunnelError error, String detail) {
    connectionRefused(localPort, error, detail);
    sessions.accept(session(localPort, openedAt, 0, 0, Outcome.REFUSED, reason(error, detail), 0));
  }

  @Override
  public void connectionInterrupted(int localPort, String why) {
    ui.execute(
        () -> {
          resumingPorts.add(localPort);
          showResumes();
        });
  }

  @Override
  public void connectionResumed(int localPort, Duration outage, int attempts) {
    connectionResumes.merge(localPort, 1, Integer::sum);
    ui.execute(
        () -> {
          resumingPorts.remove(localPort);
          resumes.set(resumes.get() + 1);
          showResumes();
        });
  }

  @Override
  public void resumeFailed(int localPort, String detail) {
    notResuming(localPort);
  }

  private void notResuming(int localPort) {
    ui.execute(
        () -> {
          if (resumingPorts.remove(localPort)) {
            showResumes();
          }
        });
  }

  /** On the UI thread: the badge follows the connections resuming now and the resumes so far. */
  private void showResumes() {
    resuming.set(resumingPorts.size());
    resumeText.set(resumeText(resumingPorts.size(), resumes.get()));
  }

  /** "Reconnecting…" while any connection resumes, then "resumed 3×"; empty before any drop. */
  static String resumeText(int resumingNow, long resumedSoFar) {
    if (resumingNow > 0) {
      return "Reconnecting…";
    }
    return resumedSoFar == 0 ? "" : "resumed " + resumedSoFar + "×";
  }

  @Override
  public void connectionClosed(
      int localPort, Instant openedAt, long bytesUp, long bytesDown, String reason) {
    // A connection whose client left while it was resuming gets no other word.
    notResuming(localPort);
    Integer resumed = connectionResumes.remove(localPort);
    sessions.accept(
        session(
            localPort,
            openedAt,
            bytesUp,
            bytesDown,
            Outcome.ofCloseReason(reason),
            reason,
            resumed == null ? 0 : resumed));
  }

  private SessionRecord session(
      int clientPort,
      Instant start,
      long up,
      long down,
      Outcome outcome,
      String reason,
      int resumes) {
    return new SessionRecord(
        0,
        gateway.url(),
        gatewayName,
        proxy,
        port,
        clientPort,
        start,
        Instant.now(),
        up,
        down,
        outcome,
        reason,
        resumes);
  }

  /** Whether "Open with…" has a command for this kind. */
  public boolean canOpenWith() {
    return openWith != null && openWith.available(kind);
  }

  /** The command "Open with…" runs, as configured. */
  public String openWithCommand() {
    return openWith == null ? "" : openWith.command(kind);
  }

  /** Runs the "Open with…" command for this forwarder's address, off the UI thread. */
  public void openWith() {
    if (openWith == null) {
      return;
    }
    openWithProblem.set("");
    openWithStatus.set("Opening…");
    openWith
        .open(kind, "127.0.0.1", port)
        .whenComplete(
            (done, e) ->
                ui.execute(
                    () -> {
                      openWithStatus.set(e == null ? done : "");
                      openWithProblem.set(e == null ? "" : OpenWithModel.message(e));
                    }));
  }

  /** "Opened psql." after "Open with…"; empty otherwise. */
  public StringProperty openWithStatusProperty() {
    return openWithStatus;
  }

  /** Why "Open with…" failed ("command not found"); empty otherwise. */
  public StringProperty openWithProblemProperty() {
    return openWithProblem;
  }

  @Override
  public void notice(String message) {
    ui.execute(() -> notice.set("Gateway says: " + message));
  }

  /** The refusal in the user's words: which kind of "no", then the gateway's detail. */
  static String reason(TunnelError error, String detail) {
    String kind =
        switch (error) {
          case PROXY_NOT_FOUND -> "not allowed (or no longer offered)";
          case LIMIT_REACHED -> "limit reached";
          case UPSTREAM_REFUSED, UPSTREAM_TIMEOUT, UPSTREAM_CLOSED -> "upstream down";
          case UNAUTHENTICATED, TOKEN_EXPIRED -> "not signed in";
          case GATEWAY_UNREACHABLE -> "gateway unreachable";
          case DRAINING -> "gateway is restarting";
          default -> error.message();
        };
    return detail == null || detail.isBlank() || detail.equals(kind)
        ? kind
        : kind + " (" + detail + ")";
  }

  public GatewayViewModel gateway() {
    return gateway;
  }

  public String proxy() {
    return proxy;
  }

  public String kind() {
    return kind;
  }

  public int port() {
    return port;
  }

  public String address() {
    return ConnectionStrings.address(port);
  }

  public String connectionString() {
    return ConnectionStrings.connectionString(kind, port, System.getProperty("user.name", "user"));
  }

  /** A JDBC URL for database kinds, else null. */
  public String jdbcUrl() {
    return ConnectionStrings.jdbcUrl(kind, port);
  }

  public IntegerProperty activeProperty() {
    return active;
  }

  public LongProperty bytesUpProperty() {
    return bytesUp;
  }

  public LongProperty bytesDownProperty() {
    return bytesDown;
  }

  public StringProperty bytesUpTextProperty() {
    return bytesUpText;
  }

  public StringProperty bytesDownTextProperty() {
    return bytesDownText;
  }

  /** "3 connections, 1 refused · at most 2 at once". */
  public StringProperty totalsProperty() {
    return totals;
  }

  /** Local connections closed at once because the forwarder's limit was reached. */
  public LongProperty limitedProperty() {
    return limited;
  }

  /** The forwarder's limit of connections at once, 0 for none. */
  public IntegerProperty maxConnectionsProperty() {
    return maxConnections;
  }

  /** "1 connection turned away by the limit of 1 at once"; empty while none was. */
  public StringProperty limitedTextProperty() {
    return limitedText;
  }

  public StringProperty rttProperty() {
    return rtt;
  }

  public StringProperty expiryProperty() {
    return expiry;
  }

  /** The newest refusal with its reason; empty when none. */
  public StringProperty lastRefusalProperty() {
    return lastRefusal;
  }

  public StringProperty noticeProperty() {
    return notice;
  }

  /** How many of this forwarder's connections are held while their dropped tunnel resumes. */
  public IntegerProperty resumingProperty() {
    return resuming;
  }

  /** How many times a dropped tunnel of this forwarder was resumed. */
  public LongProperty resumesProperty() {
    return resumes;
  }

  /** The card's badge: "Reconnecting…", then "resumed 3×"; empty while no tunnel dropped. */
  public StringProperty resumeTextProperty() {
    return resumeText;
  }

  /** The last {@value #WINDOW} seconds, oldest first. */
  public ObservableList<RatePoint> rates() {
    return rates;
  }

  public ObservableList<ConnectionRow> connections() {
    return connections;
  }

  /** Refusals, newest first, at most {@value #MAX_REFUSALS}. */
  public ObservableList<String> refusals() {
    return refusals;
  }
}
