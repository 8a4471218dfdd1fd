package dev.ferry.desktop.tray;

import atlantafx.base.theme.Styles;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.CheckMenuItem;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import org.kordamp.ikonli.feather.Feather;
import org.kordamp.ikonli.javafx.FontIcon;

/** The tray's two places in the window: the "no tray" notice and the close-to-tray setting. */
public final class TrayViews {
  private TrayViews() {}

  /** A bar under the title saying once that there is no tray; hidden once dismissed. */
  public static Node notice(TrayViewModel vm) {
    Label text = new Label(vm.notice(), new FontIcon(Feather.INFO));
    text.setWrapText(true);
    text.setMaxWidth(Double.MAX_VALUE);
    HBox.setHgrow(text, Priority.ALWAYS);
    Button dismiss = new Button("Got it");
    dismiss.setId("dismissTrayNotice");
    dismiss.getStyleClass().add(Styles.SMALL);
    dismiss.setOnAction(e -> vm.dismissNotice());
    HBox bar = new HBox(10, text, dismiss);
    bar.setId("noTrayNotice");
    bar.setAlignment(Pos.CENTER_LEFT);
    bar.setPadding(new Insets(6, 14, 6, 14));
    bar.getStyleClass().add("ferry-notice");
    bar.managedProperty().bind(vm.noticeVisibleProperty());
    bar.visibleProperty().bind(vm.noticeVisibleProperty());
    return bar;
  }

  /** The app menu (a gear) with the setting "closing the window keeps forwarders running". */
  public static Node settingsMenu(TrayViewModel vm) {
    CheckMenuItem keep =
        new CheckMenuItem("Closing the window keeps forwarders running in the tray");
    keep.setId("keepInTray");
    keep.selectedProperty().bindBidirectional(vm.keepInTrayProperty());
    keep.disableProperty().bind(vm.availableProperty().not());
    MenuButton menu = new MenuButton(null, new FontIcon(Feather.SETTINGS), keep);
    menu.setId("appMenu");
    menu.getStyleClass().addAll(Styles.FLAT, Styles.BUTTON_ICON);
    return menu;
  }
}
