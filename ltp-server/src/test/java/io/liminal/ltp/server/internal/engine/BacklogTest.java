package io.liminal.ltp.server.internal.engine;

import static io.liminal.ltp.server.TestFrames.init;
import static io.liminal.ltp.server.TestFrames.json;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.event;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.initDelivery;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.numberedEvent;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.plainEvent;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import io.liminal.ltp.server.internal.engine.EngineTest.ManualExecutor;
import io.liminal.ltp.server.store.InMemoryThreadStore;
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
 * Backpressure counts the client messages waiting for the handler, and nothing else the lane holds (pushes,
 * replies, session callbacks); reading resumes whenever that count drains, whatever ran last.
 */
class BacklogTest {
    private final FakeClock clock = new FakeClock();
    private final FakeScheduler scheduler = new FakeScheduler(clock);
    private final InMemoryTransport transport = new InMemoryTransport(scheduler);
    private final ManualExecutor app = new ManualExecutor();
    private final List<String> handled = new ArrayList<>();
    private LtpServer server;

    private void start() {
        server = TestServers.inMemory(transport, clock, scheduler, new InMemoryThreadStore()).applicationExecutor(app)
                .maxHandlerBacklog(4).handler(new LtpHandler() {
                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        handled.add(event.data().getAsString());
                        session.reply(event("reply to " + event.data().getAsString()));
                    }
                }).build().start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String metrics() {
        return transport.http("GET", "/metrics", null).body();
    }

    @Test
    @DisplayName("delivery-v1: reading resumes when the messages drain, with pushes still queued behind them")
    void resumesWithPushesQueued() {
        start();
        Peer peer = transport.connect();
        JsonObject ack = initDelivery(peer, "c", "phone");
        String thread = ack.get("thread_id").getAsString();
        app.runAll();
        for (int n = 1; n <= 6; n++) {
            peer.sendText(numberedEvent(ack, n, "m" + n));
        }
        assertThat(peer.isReading()).isFalse();
        for (int i = 0; i < 10; i++) {
            server.pushTo(thread, event("push " + i)); // lane tasks that are not client messages
        }
        app.runAll();
        assertThat(handled).containsExactly("m1", "m2", "m3", "m4", "m5", "m6");
        assertThat(peer.isReading()).isTrue();
        assertThat(metrics()).contains("ltp_backlog_pauses_total 1.0");
    }

    @Test
    @DisplayName("plain v0.3: replies do not keep a connection paused")
    void resumesWithReplies() {
        start();
        Peer peer = transport.connect();
        peer.sendText(init("c"));
        JsonObject ack = json(peer.poll());
        app.runAll();
        for (int n = 1; n <= 12; n++) {
            peer.sendText(plainEvent(ack, "m" + n));
        }
        assertThat(peer.isReading()).isFalse();
        app.runAll();
        assertThat(handled).hasSize(12);
        assertThat(peer.isReading()).isTrue();
        assertThat(peer.drain()).hasSize(12);
    }
}
