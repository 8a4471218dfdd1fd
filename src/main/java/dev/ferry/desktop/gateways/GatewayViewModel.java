package dev.ferry.desktop.gateways;

import dev.ferry.client.api.GatewayInfo;
import java.net.URI;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

/**
 * One gateway as the UI shows it: its name, whether it answers, and who is signed in. Changed only
 * through the UI executor.
 */
public final class GatewayViewModel {

  /** Whether the gateway's /v1/info answered. */
  public enum Status {
    CHECKING,
    READY,
    UNREACHABLE
  }

  private final GatewayService service;
  private final StringProperty name = new SimpleStringProperty();
  private final ObjectProperty<Status> status = new SimpleObjectProperty<>(Status.CHECKING);
  private final StringProperty problem = new SimpleStringProperty("");
  private final ObjectProperty<GatewayInfo> info = new SimpleObjectProperty<>();
  private final ObjectProperty<Account> account = new SimpleObjectProperty<>();
  private final BooleanProperty signingIn = new SimpleBooleanProperty(false);
  private final StringProperty signInProblem = new SimpleStringProperty("");
  private final ObjectProperty<URI> signInUrl = new SimpleObjectProperty<>();

  public GatewayViewModel(GatewayService service) {
    this.service = service;
    URI u = URI.create(service.url());
    name.set(u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : ""));
  }

  public GatewayService service() {
    return service;
  }

  public String url() {
    return service.url();
  }

  public StringProperty nameProperty() {
    return name;
  }

  public ObjectProperty<Status> statusProperty() {
    return status;
  }

  /** Why the gateway is unreachable; empty otherwise. */
  public StringProperty problemProperty() {
    return problem;
  }

  public ObjectProperty<GatewayInfo> infoProperty() {
    return info;
  }

  /** Who is signed in; null when nobody is. */
  public ObjectProperty<Account> accountProperty() {
    return account;
  }

  public BooleanProperty signingInProperty() {
    return signingIn;
  }

  /** Why the last sign-in (or silent renewal) failed; empty otherwise. */
  public StringProperty signInProblemProperty() {
    return signInProblem;
  }

  /** The URL the browser was asked to open, for users whose browser did not come up. */
  public ObjectProperty<URI> signInUrlProperty() {
    return signInUrl;
  }

  void answered(GatewayInfo i) {
    info.set(i);
    if (!i.name().isBlank()) {
      name.set(i.name());
    }
    problem.set("");
    status.set(Status.READY);
  }

  void unreachable(String why) {
    problem.set(why);
    status.set(Status.UNREACHABLE);
  }

  @Override
  public String toString() {
    return name.get();
  }
}
