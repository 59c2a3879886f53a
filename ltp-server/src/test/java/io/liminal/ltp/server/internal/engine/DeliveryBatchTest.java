package io.liminal.ltp.server.internal.engine;

import static io.liminal.ltp.server.internal.engine.DeliveryFrames.drain;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.event;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.eventData;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.initDelivery;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.numberedEvent;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.resumeDelivery;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.shapes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.DeliveryInfo;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import io.liminal.ltp.server.internal.engine.EngineTest.ManualExecutor;
import io.liminal.ltp.server.store.DeliveryStore.Processed;
import io.liminal.ltp.server.transport.InMemoryTransport;
import io.liminal.ltp.server.transport.InMemoryTransport.Peer;
import io.liminal.ltp.testing.FakeClock;
import io.liminal.ltp.testing.FakeScheduler;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code LtpServer.Builder.deliveryBatch}: numbered messages of one client read while its thread's lane was busy
 * are handed over one after the other and committed together, with everything their handlers sent. The lane runs
 * on a manual executor, so what gathers before it runs is exact.
 */
class DeliveryBatchTest {
    private final FakeClock clock = new FakeClock();
    private final ManualExecutor app = new ManualExecutor();
    private final ScriptedDeliveryStore store = new ScriptedDeliveryStore();
    private final List<String> handled = new ArrayList<>();
    private final List<DeliveryInfo> infos = new ArrayList<>();
    private final List<LtpServer> servers = new ArrayList<>();

    /** A server run on the shared store with batches of up to {@code batch}, and its transport. */
    private InMemoryTransport run(int batch) {
        FakeScheduler scheduler = new FakeScheduler(clock);
        InMemoryTransport transport = new InMemoryTransport(scheduler);
        servers.add(TestServers.inMemory(transport, clock, scheduler, store).applicationExecutor(app)
                .deliveryBatch(batch).maxHandlerBacklog(6).handler(new LtpHandler() {
                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        String data = event.data().getAsString();
                        handled.add(data);
                        infos.add(session.delivery());
                        session.reply(event("reply to " + data));
                    }
                }).build().start());
        return transport;
    }

    @AfterEach
    void stop() {
        servers.forEach(LtpServer::close);
    }

    /**
     * A run with batches of up to {@code batch} that handles and commits m1 of client instance "phone" and is never
     * stopped: as far as the store knows, it was killed. Returns the thread's id.
     */
    private String threadOfAKilledRun(int batch) {
        Peer peer = run(batch).connect();
        JsonObject ack = initDelivery(peer, "c", "phone");
        app.runAll();
        send(peer, ack, 1, 1);
        app.runAll();
        return ack.get("thread_id").getAsString();
    }

    private static void send(Peer peer, JsonObject ack, int from, int to) {
        for (int n = from; n <= to; n++) {
            peer.sendText(numberedEvent(ack, n, "m" + n));
        }
    }

    @Test
    @DisplayName("messages read while the lane was busy are handled in order and stored in one commit, then acked once")
    void oneCommitPerBatch() {
        Peer peer = run(4).connect();
        JsonObject ack = initDelivery(peer, "c", "phone");
        app.runAll();
        send(peer, ack, 1, 6);
        app.runAll();

        assertThat(handled).containsExactly("m1", "m2", "m3", "m4", "m5", "m6");
        assertThat(store.commits).as("six messages, at most four per commit").hasSize(2);
        assertThat(store.commits.get(0).messages()).hasSize(4);
        assertThat(store.commits.get(0).processed()).isEqualTo(new Processed("phone", 4,
                store.commits.get(0).processed().processId()));
        assertThat(store.commits.get(1).processed().seq()).isEqualTo(6);
        List<JsonObject> got = drain(peer);
        assertThat(shapes(got)).containsExactly("event:1", "event:2", "event:3", "event:4", "ack:4", "event:5",
                "event:6", "ack:6");
        assertThat(eventData(got)).containsExactly("reply to m1", "reply to m2", "reply to m3", "reply to m4",
                "reply to m5", "reply to m6");
        assertThat(infos).extracting(DeliveryInfo::possibleRedelivery).containsOnly(false);
    }

    @Test
    @DisplayName("a batch size of 1 (the default) commits every message on its own")
    void defaultIsOnePerMessage() {
        Peer peer = run(1).connect();
        JsonObject ack = initDelivery(peer, "c", "phone");
        app.runAll();
        send(peer, ack, 1, 3);
        app.runAll();
        assertThat(store.commits).hasSize(3);
        assertThat(shapes(drain(peer))).containsExactly("event:1", "ack:1", "event:2", "ack:2", "event:3", "ack:3");
        assertThatThrownBy(() -> LtpServer.builder().deliveryBatch(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LtpServer.builder().deliveryBatch(257)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("nothing moves ahead of a task queued before it was read: a push between two messages stays between")
    void noMessageOvertakesAnEarlierTask() {
        InMemoryTransport transport = run(8);
        Peer peer = transport.connect();
        JsonObject ack = initDelivery(peer, "c", "phone");
        String thread = ack.get("thread_id").getAsString();
        app.runAll();
        send(peer, ack, 1, 2);
        servers.get(0).pushTo(thread, event("push"));
        send(peer, ack, 3, 4);
        app.runAll();

        assertThat(eventData(drain(peer))).containsExactly("reply to m1", "reply to m2", "push", "reply to m3",
                "reply to m4");
        assertThat(store.commits).extracting(commit -> commit.processed() == null ? "push"
                : "through " + commit.processed().seq()).containsExactly("through 2", "push", "through 4");
    }

    @Test
    @DisplayName("resent messages are dropped, inside a batch and before it; the ack covers what was committed")
    void resendsInABatch() {
        Peer peer = run(8).connect();
        JsonObject ack = initDelivery(peer, "c", "phone");
        app.runAll();
        send(peer, ack, 1, 2);
        app.runAll();
        drain(peer);
        send(peer, ack, 2, 3);
        send(peer, ack, 3, 4);
        app.runAll();
        assertThat(handled).containsExactly("m1", "m2", "m3", "m4");
        assertThat(shapes(drain(peer))).containsExactly("ack:2", "event:3", "event:4", "ack:4");
        assertThat(store.commits).hasSize(2);
    }

    @Test
    @DisplayName("a failed batch commit sends and acks nothing; every message of it is handed over again, marked")
    void failedBatchIsMarkedWhole() {
        InMemoryTransport transport = run(8);
        Peer first = transport.connect();
        JsonObject ack = initDelivery(first, "c", "phone");
        String thread = ack.get("thread_id").getAsString();
        app.runAll();
        store.failNextCommits = 1;
        send(first, ack, 1, 3);
        app.runAll();
        assertThat(drain(first)).as("no reply, no ack").isEmpty();
        assertThat(first.closeCode()).isEqualTo(1011);

        Peer second = transport.connect();
        JsonObject resumed = resumeDelivery(second, "c", thread, "phone", 0);
        app.runAll();
        send(second, resumed, 1, 9);
        app.runAll();
        assertThat(handled).hasSize(12).startsWith("m1", "m2", "m3", "m1", "m2", "m3", "m4").endsWith("m9");
        // The thread was reloaded: its position counts as another run's, so one whole batch after it is marked.
        assertThat(infos.subList(3, 12)).extracting(DeliveryInfo::possibleRedelivery)
                .as("those of the failed batch, and to be safe the rest of a batch after them")
                .containsExactly(true, true, true, true, true, true, true, true, false);
        assertThat(eventData(drain(second))).hasSize(9).startsWith("reply to m1").endsWith("reply to m9");
    }

    @Test
    @DisplayName("after a run that did not stop cleanly, up to one batch after the stored position is marked")
    void afterAnUncleanRunOneBatchIsMarked() {
        String thread = threadOfAKilledRun(3);
        Peer moved = run(3).connect();
        JsonObject resumed = resumeDelivery(moved, "c", thread, "phone", 0);
        app.runAll();
        send(moved, resumed, 2, 2);
        app.runAll();
        send(moved, resumed, 3, 6);
        app.runAll();
        assertThat(handled).containsExactly("m1", "m2", "m3", "m4", "m5", "m6");
        assertThat(infos).extracting(DeliveryInfo::possibleRedelivery)
                .as("2 to 4 may have been handed over in the killed run's last batch, across later batches too")
                .containsExactly(false, true, true, true, false, false);
    }

    @Test
    @DisplayName("the marked window after an unclean run survives the live thread: a reconnect inside it still marks "
            + "its rest")
    void theMarkedWindowSurvivesARetiredThread() {
        String thread = threadOfAKilledRun(3);
        InMemoryTransport second = run(3);
        Peer moved = second.connect();
        JsonObject resumed = resumeDelivery(moved, "c", thread, "phone", 0);
        app.runAll();
        send(moved, resumed, 2, 2); // committed alone, inside the window (2 to 4)
        app.runAll();
        moved.clientClose(1006, ""); // the thread's last connection: the live thread is retired
        app.runAll();
        Peer back = second.connect();
        JsonObject again = resumeDelivery(back, "c", thread, "phone", 0);
        app.runAll();
        send(back, again, 3, 3);
        app.runAll();
        send(back, again, 4, 4);
        app.runAll();
        assertThat(handled).containsExactly("m1", "m2", "m3", "m4");
        assertThat(infos).extracting(DeliveryInfo::possibleRedelivery)
                .as("3 and 4 may have been handed over by the killed run; this run's own commit of 2 must not hide it")
                .containsExactly(false, true, true, true);
    }

    @Test
    @DisplayName("the marked window after a failed commit survives the live thread too")
    void theWindowOfAFailedCommitSurvivesARetiredThread() {
        InMemoryTransport transport = run(8);
        Peer phone = transport.connect();
        JsonObject ack = initDelivery(phone, "c", "phone");
        String thread = ack.get("thread_id").getAsString();
        Peer laptop = transport.connect(); // keeps the thread loaded while the phone reconnects
        resumeDelivery(laptop, "c", thread, "laptop", 0);
        app.runAll();
        store.failNextCommits = 1;
        send(phone, ack, 1, 3);
        app.runAll();
        assertThat(phone.closeCode()).isEqualTo(1011);

        Peer again = transport.connect();
        JsonObject resumed = resumeDelivery(again, "c", thread, "phone", 0);
        app.runAll();
        send(again, resumed, 1, 1); // committed alone, inside the failed batch's window
        app.runAll();
        again.clientClose(1006, "");
        laptop.clientClose(1006, ""); // the last connection: the live thread is retired
        app.runAll();
        Peer back = transport.connect();
        JsonObject last = resumeDelivery(back, "c", thread, "phone", 0);
        app.runAll();
        send(back, last, 2, 2);
        app.runAll();
        assertThat(handled).containsExactly("m1", "m2", "m3", "m1", "m2");
        assertThat(infos.subList(3, 5)).extracting(DeliveryInfo::possibleRedelivery)
                .as("m2 was handed over in the failed batch: still marked after the thread was reloaded")
                .containsExactly(true, true);
    }

    @Test
    @DisplayName("reading pauses at the handler backlog and resumes when the batches drain")
    void backlogCountsEveryMessage() {
        Peer peer = run(4).connect();
        JsonObject ack = initDelivery(peer, "c", "phone");
        app.runAll();
        send(peer, ack, 1, 6);
        assertThat(peer.isReading()).isFalse();
        app.runAll();
        assertThat(peer.isReading()).isTrue();
        assertThat(handled).hasSize(6);
    }
}
