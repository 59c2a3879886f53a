package io.liminal.ltp.server.internal.engine;

import static io.liminal.ltp.server.TestFrames.json;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.drain;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.event;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.eventData;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.initDelivery;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.numberedEvent;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.plainEvent;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.resumeDelivery;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.shapes;
import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What a handler sends while it handles a message: collected, then published when the call returns, and under
 * delivery-v1 logged in the same commit as the message's new position (the transactional outbox).
 */
class HandlerSendsTest {
    private final FakeClock clock = new FakeClock();
    private final FakeScheduler scheduler = new FakeScheduler(clock);
    private final InMemoryTransport transport = new InMemoryTransport(scheduler);
    private final ScriptedDeliveryStore store = new ScriptedDeliveryStore();
    private final List<String> handled = new ArrayList<>();
    private final List<DeliveryInfo> infos = new ArrayList<>();
    private BiConsumer<SessionContext, String> onEvent = (session, data) -> { };
    private LtpServer server;

    private LtpServer start(Consumer<LtpServer.Builder> configure) {
        LtpServer.Builder builder = TestServers.inMemory(transport, clock, scheduler, store).handler(new LtpHandler() {
                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        handled.add(event.data().getAsString());
                        infos.add(session.delivery());
                        onEvent.accept(session, event.data().getAsString());
                    }
                });
        configure.accept(builder);
        server = builder.build().start();
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private String metrics() {
        return transport.http("GET", "/metrics", null).body();
    }

    @Test
    @DisplayName("replies and pushes of a handler are logged in the commit that completes its message, then acked")
    void oneCommitPerMessage() {
        onEvent = (session, data) -> {
            session.reply(event("reply-1 to " + data));
            session.pushToThread(event("push to " + data));
            server.pushTo(session.threadId(), event("server push to " + data));
            session.reply(event("reply-2 to " + data));
        };
        start(b -> { });
        Peer peer = transport.connect();
        JsonObject ack = initDelivery(peer, "c1", "phone");
        String thread = ack.get("thread_id").getAsString();
        peer.sendText(numberedEvent(ack, 1, "a"));

        List<JsonObject> got = drain(peer);
        assertThat(shapes(got)).containsExactly("event:1", "event:2", "event:3", "event:4", "ack:1");
        assertThat(eventData(got)).containsExactly("reply-1 to a", "push to a", "server push to a", "reply-2 to a");
        assertThat(store.commits).singleElement().satisfies(commit -> {
            assertThat(commit.threadId()).isEqualTo(thread);
            assertThat(commit.messages()).extracting(m -> m.targetInstance())
                    .containsExactly("phone", null, null, "phone");
            assertThat(commit.processed()).isEqualTo(new Processed("phone", 1, commit.processed().processId()));
        });
    }

    @Test
    @DisplayName("a failed commit sends nothing, acks nothing and closes 1011; the resent message is marked and "
            + "answered once")
    void failedCommitLosesNothing() {
        onEvent = (session, data) -> session.reply(event("reply to " + data));
        start(b -> { });
        Peer first = transport.connect();
        JsonObject ack = initDelivery(first, "c1", "phone");
        String thread = ack.get("thread_id").getAsString();
        store.failNextCommits = 1;
        first.sendText(numberedEvent(ack, 1, "a"));
        first.sendText(numberedEvent(ack, 2, "b"));

        assertThat(drain(first)).as("no reply, no ack").isEmpty();
        assertThat(first.closedByServer()).isTrue();
        assertThat(first.closeCode()).isEqualTo(1011);
        assertThat(handled).as("b waits behind a: it is not handled before a is done").containsExactly("a");
        assertThat(metrics()).contains("ltp_store_failures_total{operation=\"commit\"} 1.0");

        Peer second = transport.connect();
        JsonObject resumed = resumeDelivery(second, "c1", thread, "phone", 0);
        assertThat(resumed.getAsJsonObject("delivery").get("last_processed").getAsLong()).isZero();
        second.sendText(numberedEvent(resumed, 1, "a"));
        second.sendText(numberedEvent(resumed, 2, "b"));
        List<JsonObject> got = drain(second);
        assertThat(shapes(got)).containsExactly("event:1", "ack:1", "event:2", "ack:2");
        assertThat(eventData(got)).containsExactly("reply to a", "reply to b");
        assertThat(handled).containsExactly("a", "a", "b");
        assertThat(infos).extracting(DeliveryInfo::possibleRedelivery).as("only the message handed over before")
                .containsExactly(false, true, false);
    }

    @Test
    @DisplayName("waiting inside the handler for a collected send is refused at once; the send still goes out")
    void waitingInsideTheHandlerIsRefused() {
        List<String> refusals = new ArrayList<>();
        List<CompletableFuture<?>> futures = new ArrayList<>();
        onEvent = (session, data) -> {
            CompletableFuture<Void> reply = session.reply(event("reply"));
            futures.add(reply);
            futures.add(reply.thenRun(() -> { }));
            try {
                reply.join();
            } catch (IllegalStateException e) {
                refusals.add("join");
            }
            try {
                reply.thenRun(() -> { }).get();
            } catch (IllegalStateException e) {
                refusals.add("dependent get");
            } catch (Exception e) {
                refusals.add("unexpected " + e);
            }
        };
        start(b -> { });
        Peer peer = transport.connect();
        JsonObject ack = initDelivery(peer, "c1", "phone");
        peer.sendText(numberedEvent(ack, 1, "a"));
        assertThat(refusals).containsExactly("join", "dependent get");
        assertThat(eventData(drain(peer))).containsExactly("reply");
        assertThat(futures).allSatisfy(f -> assertThat(f).isCompleted());
        assertThat(futures.get(0).join()).isNull();
    }

    @Test
    @DisplayName("a reply whose connection closed while the handler ran is logged for its instance and replayed")
    void replyOutlivesItsConnection() {
        ManualExecutor app = new ManualExecutor();
        onEvent = (session, data) -> session.reply(event("reply to " + data));
        start(b -> b.applicationExecutor(app));
        Peer first = transport.connect();
        JsonObject ack = initDelivery(first, "c1", "phone");
        app.runAll();
        first.sendText(numberedEvent(ack, 1, "a"));
        first.clientClose(1006, "");
        app.runAll();
        assertThat(handled).containsExactly("a");

        Peer second = transport.connect();
        resumeDelivery(second, "c1", ack.get("thread_id").getAsString(), "phone", 0);
        app.runAll();
        List<JsonObject> got = drain(second);
        assertThat(shapes(got)).containsExactly("event:1");
        assertThat(eventData(got)).containsExactly("reply to a");
    }

    @Test
    @DisplayName("plain v0.3 sessions: sends leave in call order after the handler returns, none is logged")
    void plainSessionsKeepCallOrder() {
        onEvent = (session, data) -> {
            session.reply(event("r1"));
            session.pushToThread(event("p1"));
            session.reply(event("r2"));
        };
        start(b -> { });
        Peer peer = transport.connect();
        peer.sendText("{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"c\"}");
        JsonObject ack = json(peer.poll());
        peer.sendText(plainEvent(ack, "a"));
        assertThat(eventData(drain(peer))).containsExactly("r1", "p1", "r2");
        assertThat(store.commits).isEmpty();
    }

    @Test
    @DisplayName("a push from outside a handler completes once it is in the log, and fails when the log refuses it")
    void outsidePushCompletesWhenLogged() {
        start(b -> { });
        Peer peer = transport.connect();
        JsonObject ack = initDelivery(peer, "c1", "phone");
        String thread = ack.get("thread_id").getAsString();
        assertThat(server.pushTo(thread, event("one")).join()).isEqualTo(1);
        assertThat(store.delegate.outboundBounds(thread).last()).isEqualTo(1);

        store.failNextCommits = 1;
        CompletableFuture<Integer> refused = server.pushTo(thread, event("two"));
        assertThat(refused).isCompletedExceptionally();
        assertThat(catchJoin(refused)).hasMessageContaining("injected store failure");
        assertThat(eventData(drain(peer))).containsExactly("one");
        assertThat(metrics()).contains("ltp_store_failures_total{operation=\"append\"} 1.0");
    }

    private static Throwable catchJoin(CompletableFuture<?> future) {
        try {
            future.join();
            return null;
        } catch (CompletionException e) {
            return e.getCause();
        }
    }
}
