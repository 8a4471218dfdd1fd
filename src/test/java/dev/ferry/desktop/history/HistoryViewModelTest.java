package dev.ferry.desktop.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ferry.client.history.HistoryCsv;
import dev.ferry.client.history.HistoryStore;
import dev.ferry.client.history.Outcome;
import dev.ferry.client.history.SessionRecord;
import dev.ferry.desktop.UiThread;
import dev.ferry.desktop.settings.SettingsModel;
import dev.ferry.desktop.settings.SettingsStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The history view-model without the FX toolkit: one thread stands in for the FX thread. */
@Timeout(60)
class HistoryViewModelTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private final ExecutorService io = Executors.newCachedThreadPool();
  private final UiThread ui = new UiThread();
  private HistoryViewModel vm;
  private SettingsStore settingsStore;

  @AfterEach
  void stop() {
    if (vm != null) {
      vm.close();
    }
    io.shutdownNow();
    ui.close();
  }

  private HistoryViewModel open() throws Exception {
    settingsStore = new SettingsStore(dir.resolve("config"));
    SettingsModel settings = new SettingsModel(settingsStore, settingsStore.load(), io);
    HistoryStore store =
        new HistoryStore(dir.resolve("data"), settings.get().historyDays(), Clock.systemUTC());
    HistoryViewModel h = onUi(() -> new HistoryViewModel(store, settings, io, ui.executor()));
    ui.run(h::start);
    return h;
  }

  private <T> T onUi(Callable<T> c) throws Exception {
    return ui.call(c);
  }

  static SessionRecord session(String proxy, long up, long down, Outcome outcome, String reason) {
    return session(proxy, up, down, outcome, reason, 0);
  }

  static SessionRecord session(
      String proxy, long up, long down, Outcome outcome, String reason, int resumes) {
    Instant start = Instant.now().minusSeconds(30);
    return new SessionRecord(
        0,
        "http://127.0.0.1:1",
        "test-gateway",
        proxy,
        15432,
        50000,
        start,
        start.plusSeconds(5),
        up,
        down,
        outcome,
        reason,
        resumes);
  }

  private List<String> shown() throws Exception {
    return onUi(() -> vm.rows().stream().map(SessionRecord::proxy).toList());
  }

  @Test
  @DisplayName("sessions show newest first, survive a restart, and the search filters them")
  void recordRestartSearch() throws Exception {
    vm = open();
    vm.record(session("orders-db", 1000, 2000, Outcome.OK, "completed")).get(10, TimeUnit.SECONDS);
    vm.record(session("bastion", 0, 0, Outcome.REFUSED, "limit reached")).get(10, TimeUnit.SECONDS);
    await().atMost(WAIT).until(() -> shown().size() == 2);
    assertThat(shown()).containsExactly("bastion", "orders-db");
    vm.close();

    vm = open();
    await().atMost(WAIT).until(() -> shown().size() == 2);
    assertThat(shown()).containsExactlyInAnyOrder("bastion", "orders-db");
    SessionRecord db =
        onUi(() -> vm.rows().stream().filter(r -> r.proxy().equals("orders-db")))
            .findFirst()
            .orElseThrow();
    assertThat(db.bytesUp()).isEqualTo(1000);
    assertThat(db.bytesDown()).isEqualTo(2000);

    ui.run(() -> vm.searchProperty().set("LIMIT"));
    assertThat(shown()).containsExactly("bastion");
    assertThat(onUi(() -> vm.countText().get())).isEqualTo("1 of 2 sessions");
    ui.run(() -> vm.searchProperty().set("test-gateway orders"));
    assertThat(shown()).containsExactly("orders-db");
    ui.run(() -> vm.searchProperty().set("refused"));
    assertThat(shown()).containsExactly("bastion");
    ui.run(() -> vm.searchProperty().set(""));
    assertThat(shown()).hasSize(2);
  }

  @Test
  @DisplayName("CSV export writes what is shown, with reasons full of commas, quotes and newlines")
  void export() throws Exception {
    vm = open();
    String nasty = "closed: \"bye\", said the server\nand left";
    vm.record(session("we,ird", 5, 6, Outcome.ERROR, nasty)).get(10, TimeUnit.SECONDS);
    vm.record(session("other", 1, 1, Outcome.OK, "completed")).get(10, TimeUnit.SECONDS);
    await().atMost(WAIT).until(() -> shown().size() == 2);
    ui.run(() -> vm.searchProperty().set("said"));
    Path csv = dir.resolve("out.csv");
    onUi(() -> vm.exportCsv(csv)).get(10, TimeUnit.SECONDS);
    String text = Files.readString(csv, StandardCharsets.UTF_8);
    assertThat(text).startsWith(HistoryCsv.HEADER + "\r\n");
    assertThat(text)
        .contains(
            ",\"we,ird\",15432,50000,5,6,error,\"closed: \"\"bye\"\", said the server\nand left\",0\r\n");
    assertThat(text).doesNotContain("other");
    await()
        .atMost(WAIT)
        .until(
            () -> onUi(() -> vm.statusProperty().get()),
            s -> s.startsWith("Exported 1 session to "));

    onUi(() -> vm.exportCsv(dir.resolve("no-such-folder").resolve("x.csv"))).handle((p, e) -> p);
    await()
        .atMost(WAIT)
        .until(() -> onUi(() -> vm.statusProperty().get()), s -> s.contains("Could not export"));
    assertThat(onUi(() -> vm.statusProperty().get())).contains("no such folder");
  }

  @Test
  @DisplayName("CSV export ends each row with the resume count the history file kept")
  void exportCarriesResumes() throws Exception {
    vm = open();
    vm.record(session("resumed-db", 7, 8, Outcome.OK, "completed", 3)).get(10, TimeUnit.SECONDS);
    vm.record(session("quoted", 1, 2, Outcome.ERROR, "reset, \"hard\"", 1))
        .get(10, TimeUnit.SECONDS);
    vm.record(session("steady", 1, 1, Outcome.OK, "completed", 0)).get(10, TimeUnit.SECONDS);
    vm.close();

    // A fresh view-model: the counts come back from the SQLite file, not from memory.
    vm = open();
    await().atMost(WAIT).until(() -> shown().size() == 3);
    Path csv = dir.resolve("resumes.csv");
    onUi(() -> vm.exportCsv(csv)).get(10, TimeUnit.SECONDS);
    String text = Files.readString(csv, StandardCharsets.UTF_8);

    // Appended, not inserted: every column a positional reader knew keeps its place.
    assertThat(HistoryCsv.HEADER)
        .isEqualTo(
            "start,end,duration_s,gateway,gateway_name,proxy,local_port,client_port,bytes_up,"
                + "bytes_down,outcome,reason,resumes");
    assertThat(text).startsWith(HistoryCsv.HEADER + "\r\n");
    assertThat(text)
        .contains(",resumed-db,15432,50000,7,8,ok,completed,3\r\n")
        .contains(",quoted,15432,50000,1,2,error,\"reset, \"\"hard\"\"\",1\r\n")
        .contains(",steady,15432,50000,1,1,ok,completed,0\r\n");
  }

  @Test
  @DisplayName("retention: a change is saved with the settings and applied to the store")
  void retention() throws Exception {
    vm = open();
    assertThat(onUi(() -> vm.retentionDaysProperty().get())).isEqualTo(90);
    Instant old = Instant.now().minus(Duration.ofDays(20));
    vm.record(
            new SessionRecord(
                0, "g", "g", "old", 1, 2, old, old.plusSeconds(1), 0, 0, Outcome.OK, "", 0))
        .get(10, TimeUnit.SECONDS);
    vm.record(session("new", 1, 1, Outcome.OK, "completed")).get(10, TimeUnit.SECONDS);
    ui.run(() -> vm.retentionDaysProperty().set(7));
    await().atMost(WAIT).until(() -> settingsStore.load().historyDays() == 7);
    await().atMost(WAIT).until(this::shown, s -> s.equals(List.of("new")));
  }

  @Test
  @DisplayName("a damaged history file: a notice in the view, a fresh file, and recording works")
  void damagedFile() throws Exception {
    Files.createDirectories(dir.resolve("data"));
    Files.write(
        dir.resolve("data").resolve(HistoryStore.FILE_NAME),
        "garbage, not SQLite".repeat(500).getBytes(StandardCharsets.UTF_8));
    vm = open();
    await()
        .atMost(WAIT)
        .until(() -> onUi(() -> vm.noticeProperty().get()), n -> n.contains("damaged"));
    vm.record(session("p", 1, 1, Outcome.OK, "completed")).get(10, TimeUnit.SECONDS);
    await().atMost(WAIT).until(() -> shown().size() == 1);
    ui.run(vm::dismissNotice);
    assertThat(onUi(() -> vm.noticeProperty().get())).isEmpty();
  }
}
