package dev.ferry.desktop.signin;

import dev.ferry.client.auth.LoginTokenSource;
import dev.ferry.desktop.common.Formats;
import dev.ferry.desktop.gateways.Account;
import dev.ferry.desktop.gateways.GatewayViewModel;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

/**
 * Sign-in to the selected gateway through the system browser (the CLI's login code), who is signed
 * in with which groups, a countdown to the token's expiry, sign-out, and silent renewal before
 * expiry for every signed-in gateway.
 */
public final class SignInViewModel {
  private final Consumer<URI> browser;
  private final Executor io;
  private final Executor ui;
  private final Set<GatewayViewModel> renewing = ConcurrentHashMap.newKeySet();

  private final ObjectProperty<GatewayViewModel> gateway = new SimpleObjectProperty<>();
  private final BooleanProperty signedIn = new SimpleBooleanProperty(false);
  private final BooleanProperty busy = new SimpleBooleanProperty(false);
  private final StringProperty user = new SimpleStringProperty("");
  private final StringProperty groups = new SimpleStringProperty("");
  private final StringProperty expiry = new SimpleStringProperty("");
  private final StringProperty problem = new SimpleStringProperty("");
  private final StringProperty openedUrl = new SimpleStringProperty("");
  private Consumer<GatewayViewModel> onSignedIn = g -> {};
  private Consumer<GatewayViewModel> onSignedOut = g -> {};
  private Instant now = Instant.now();

  public SignInViewModel(Consumer<URI> browser, Executor io, Executor ui) {
    this.browser = browser;
    this.io = io;
    this.ui = ui;
    gateway.addListener((o, was, g) -> refresh());
  }

  public void onSignedIn(Consumer<GatewayViewModel> handler) {
    this.onSignedIn = handler;
  }

  public void onSignedOut(Consumer<GatewayViewModel> handler) {
    this.onSignedOut = handler;
  }

  /** The gateway this panel is about (bound to the selected one). */
  public ObjectProperty<GatewayViewModel> gatewayProperty() {
    return gateway;
  }

  /** Tries the stored sign-in of {@code g} silently (at start and when a gateway is added). */
  public void resume(GatewayViewModel g) {
    if (g.accountProperty().get() != null || g.signingInProperty().get()) {
      return;
    }
    g.signingInProperty().set(true);
    refresh();
    io.execute(
        () -> {
          var account = g.service().resume();
          ui.execute(
              () -> {
                g.signingInProperty().set(false);
                account.ifPresent(a -> signedIn(g, a));
                refresh();
              });
        });
  }

  /** Opens the browser to sign in to the selected gateway. */
  public void signIn() {
    GatewayViewModel g = gateway.get();
    if (g == null || g.signingInProperty().get()) {
      return;
    }
    g.signingInProperty().set(true);
    g.signInProblemProperty().set("");
    refresh();
    io.execute(
        () -> {
          try {
            Account a =
                g.service()
                    .signIn(
                        url -> {
                          ui.execute(
                              () -> {
                                g.signInUrlProperty().set(url);
                                refresh();
                              });
                          browser.accept(url);
                        });
            ui.execute(
                () -> {
                  g.signingInProperty().set(false);
                  g.signInUrlProperty().set(null);
                  signedIn(g, a);
                  refresh();
                });
          } catch (Exception e) {
            ui.execute(
                () -> {
                  g.signingInProperty().set(false);
                  g.signInUrlProperty().set(null);
                  g.signInProblemProperty().set("Sign-in failed: " + e.getMessage());
                  refresh();
                });
          }
        });
  }

  private void signedIn(GatewayViewModel g, Account a) {
    g.signInProblemProperty().set("");
    g.accountProperty().set(a);
    onSignedIn.accept(g);
  }

  /** Forgets the selected gateway's sign-in. Its forwarders stay; new connections wait. */
  public void signOut() {
    GatewayViewModel g = gateway.get();
    if (g == null || g.accountProperty().get() == null) {
      return;
    }
    g.accountProperty().set(null);
    io.execute(g.service()::signOut);
    onSignedOut.accept(g);
    refresh();
  }

  /**
   * Once a second: counts down, and renews silently any token that expires within the renewal
   * margin. A renewal that fails signs the gateway out and says why.
   */
  public void tick(Instant at, Collection<GatewayViewModel> all) {
    this.now = at;
    for (GatewayViewModel g : all) {
      Account a = g.accountProperty().get();
      if (a == null
          || a.expiresAt() == null
          || Duration.between(at, a.expiresAt()).compareTo(LoginTokenSource.MARGIN) > 0
          || !renewing.add(g)) {
        continue;
      }
      io.execute(
          () -> {
            try {
              Instant next = g.service().renew();
              ui.execute(
                  () -> {
                    renewing.remove(g);
                    if (g.accountProperty().get() != null && next != null) {
                      g.accountProperty().set(g.accountProperty().get().withExpiry(next));
                    }
                    refresh();
                  });
            } catch (Exception e) {
              ui.execute(
                  () -> {
                    renewing.remove(g);
                    g.accountProperty().set(null);
                    g.signInProblemProperty()
                        .set(
                            "Your sign-in ended ("
                                + e.getMessage()
                                + "). Sign in again: running forwarders wait for it.");
                    onSignedOut.accept(g);
                    refresh();
                  });
            }
          });
    }
    refresh();
  }

  /** Recomputes what the panel shows from the selected gateway. */
  public void refresh() {
    GatewayViewModel g = gateway.get();
    Account a = g == null ? null : g.accountProperty().get();
    user.set(a == null ? "" : a.user());
    groups.set(a == null || a.groups().isEmpty() ? "" : String.join(", ", a.groups()));
    expiry.set(a == null ? "" : Formats.expiry(now, a.expiresAt()));
    busy.set(g != null && g.signingInProperty().get());
    signedIn.set(a != null); // last: views showing the panel see the texts already set
    problem.set(g == null ? "" : g.signInProblemProperty().get());
    URI url = g == null ? null : g.signInUrlProperty().get();
    openedUrl.set(url == null ? "" : url.toString());
  }

  public BooleanProperty signedInProperty() {
    return signedIn;
  }

  /** True while a browser sign-in (or a silent one at start) runs for the selected gateway. */
  public BooleanProperty busyProperty() {
    return busy;
  }

  public StringProperty userProperty() {
    return user;
  }

  public StringProperty groupsProperty() {
    return groups;
  }

  public StringProperty expiryProperty() {
    return expiry;
  }

  public StringProperty problemProperty() {
    return problem;
  }

  /** The sign-in URL while the browser round trip runs: shown so the user can open it by hand. */
  public StringProperty openedUrlProperty() {
    return openedUrl;
  }
}
