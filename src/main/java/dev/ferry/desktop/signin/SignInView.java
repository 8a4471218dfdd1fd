package dev.ferry.desktop.signin;

import atlantafx.base.theme.Styles;
import javafx.geometry.Insets;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.input.Clipboard;
import javafx.scene.input.ClipboardContent;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.kordamp.ikonli.feather.Feather;
import org.kordamp.ikonli.javafx.FontIcon;

/** Who is signed in to the selected gateway, and the sign-in / sign-out buttons. Binds only. */
public final class SignInView extends VBox {

  public SignInView(SignInViewModel vm) {
    setSpacing(6);
    setPadding(new Insets(8, 0, 0, 0));
    Label title = new Label("Account");
    title.getStyleClass().add(Styles.TITLE_4);

    Label user = new Label();
    user.setId("signedInUser");
    user.setGraphic(new FontIcon(Feather.USER));
    user.textProperty()
        .bind(
            javafx.beans.binding.Bindings.when(vm.signedInProperty())
                .then(vm.userProperty())
                .otherwise("Not signed in"));
    Label groups = new Label();
    groups.setId("signedInGroups");
    groups.setWrapText(true);
    groups.getStyleClass().add(Styles.TEXT_MUTED);
    groups.textProperty().bind(vm.groupsProperty().map(g -> g.isEmpty() ? "" : "groups: " + g));
    groups.managedProperty().bind(vm.groupsProperty().isNotEmpty());
    groups.visibleProperty().bind(groups.managedProperty());
    Label expiry = new Label();
    expiry.setId("tokenExpiry");
    expiry.setGraphic(new FontIcon(Feather.CLOCK));
    expiry.getStyleClass().add(Styles.TEXT_SMALL);
    expiry.textProperty().bind(vm.expiryProperty());
    expiry.managedProperty().bind(vm.signedInProperty());
    expiry.visibleProperty().bind(vm.signedInProperty());

    Button signIn = new Button("Sign in with browser", new FontIcon(Feather.LOG_IN));
    signIn.setId("signIn");
    signIn.getStyleClass().add(Styles.ACCENT);
    signIn.setMaxWidth(Double.MAX_VALUE);
    signIn.setOnAction(e -> vm.signIn());
    signIn.disableProperty().bind(vm.busyProperty().or(vm.gatewayProperty().isNull()));
    signIn.managedProperty().bind(vm.signedInProperty().not());
    signIn.visibleProperty().bind(signIn.managedProperty());
    Button signOut = new Button("Sign out", new FontIcon(Feather.LOG_OUT));
    signOut.setId("signOut");
    signOut.setOnAction(e -> vm.signOut());
    signOut.managedProperty().bind(vm.signedInProperty());
    signOut.visibleProperty().bind(signOut.managedProperty());

    Label waiting =
        new Label("Finish signing in in your browser. If it did not open, use this link:");
    waiting.setWrapText(true);
    waiting.getStyleClass().add(Styles.TEXT_SMALL);
    TextField link = new TextField();
    link.setId("signInUrl");
    link.setEditable(false);
    link.textProperty().bind(vm.openedUrlProperty());
    HBox.setHgrow(link, Priority.ALWAYS);
    Button copy = new Button(null, new FontIcon(Feather.COPY));
    copy.getStyleClass().add(Styles.FLAT);
    copy.setOnAction(
        e -> {
          ClipboardContent c = new ClipboardContent();
          c.putString(vm.openedUrlProperty().get());
          Clipboard.getSystemClipboard().setContent(c);
        });
    VBox linkBox = new VBox(4, waiting, new HBox(4, link, copy));
    linkBox.managedProperty().bind(vm.openedUrlProperty().isNotEmpty());
    linkBox.visibleProperty().bind(linkBox.managedProperty());

    Label problem = new Label();
    problem.setId("signInProblem");
    problem.setWrapText(true);
    problem.getStyleClass().add(Styles.DANGER);
    problem.textProperty().bind(vm.problemProperty());
    problem.managedProperty().bind(vm.problemProperty().isNotEmpty());
    problem.visibleProperty().bind(problem.managedProperty());

    getChildren().addAll(title, user, groups, expiry, signIn, signOut, linkBox, problem);
  }
}
