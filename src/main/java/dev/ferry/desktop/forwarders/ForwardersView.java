package dev.ferry.desktop.forwarders;

import atlantafx.base.theme.Styles;
import javafx.collections.ListChangeListener;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/** The running forwarders, one card each. Binds only. */
public final class ForwardersView extends VBox {

  public ForwardersView(ForwardersViewModel vm) {
    setSpacing(8);
    Label title = new Label("Connected");
    title.getStyleClass().add(Styles.TITLE_4);
    Label empty =
        new Label(
            "Nothing connected yet: pick a proxy and press Connect. Its local port shows here.");
    empty.setWrapText(true);
    empty.getStyleClass().add(Styles.TEXT_MUTED);
    VBox cards = new VBox(10);
    cards.setId("forwarders");
    Runnable fill =
        () -> {
          cards.getChildren().clear();
          for (ForwarderViewModel f : vm.forwarders()) {
            cards.getChildren().add(new ForwarderCard(f, () -> vm.disconnect(f)));
          }
          if (vm.forwarders().isEmpty()) {
            cards.getChildren().add(empty);
          }
        };
    vm.forwarders().addListener((ListChangeListener<ForwarderViewModel>) c -> fill.run());
    fill.run();
    ScrollPane scroll = new ScrollPane(cards);
    scroll.setFitToWidth(true);
    VBox.setVgrow(scroll, Priority.ALWAYS);
    getChildren().addAll(title, scroll);
  }
}
