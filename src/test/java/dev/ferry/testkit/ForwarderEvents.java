package dev.ferry.testkit;

import dev.ferry.client.forward.ForwarderListener;
import dev.ferry.tunnel.TunnelError;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records what a forwarder reports, for tests to wait on and check. */
public final class ForwarderEvents implements ForwarderListener {
  /** One local connection's end: bytes each way and the reason. */
  public record Closed(long up, long down, String reason) {}

  public final List<Closed> closed = new CopyOnWriteArrayList<>();

  /** The reasons of {@link #closed}, in the same order. */
  public final List<String> reasons = new CopyOnWriteArrayList<>();

  /** Details of refused connections; their errors in {@link #refusedErrors}. */
  public final List<String> refused = new CopyOnWriteArrayList<>();

  public final List<TunnelError> refusedErrors = new CopyOnWriteArrayList<>();
  public final List<String> notices = new CopyOnWriteArrayList<>();
  public final List<String> warnings = new CopyOnWriteArrayList<>();
  public final List<String> resumeFailed = new CopyOnWriteArrayList<>();

  @Override
  public void connectionClosed(long bytesUp, long bytesDown, String reason) {
    closed.add(new Closed(bytesUp, bytesDown, reason));
    reasons.add(reason);
  }

  @Override
  public void connectionRefused(int localPort, TunnelError error, String detail) {
    refused.add(detail);
    refusedErrors.add(error);
  }

  @Override
  public void notice(String message) {
    notices.add(message);
  }

  @Override
  public void warning(String message) {
    warnings.add(message);
  }

  @Override
  public void resumeFailed(int localPort, String detail) {
    resumeFailed.add(detail);
  }

  /** A resume's progress, in the order reported: {@link Interrupted} then {@link Resumed}. */
  public sealed interface ResumeEvent permits Interrupted, Resumed {}

  /** {@link ForwarderListener#connectionInterrupted}. */
  public record Interrupted(int localPort, String why) implements ResumeEvent {}

  /** {@link ForwarderListener#connectionResumed}. */
  public record Resumed(int localPort, Duration outage, int attempts) implements ResumeEvent {}

  /** Interruptions and resumes, in order. */
  public final List<ResumeEvent> resumeEvents = new CopyOnWriteArrayList<>();

  @Override
  public void connectionInterrupted(int localPort, String why) {
    resumeEvents.add(new Interrupted(localPort, why));
  }

  @Override
  public void connectionResumed(int localPort, Duration outage, int attempts) {
    resumeEvents.add(new Resumed(localPort, outage, attempts));
  }

  /** For failure messages: what ended and what was refused so far. */
  @Override
  public String toString() {
    return "closed "
        + closed
        + ", refused "
        + refusedErrors
        + " "
        + refused
        + (resumeEvents.isEmpty() ? "" : ", resume events " + resumeEvents);
  }
}
