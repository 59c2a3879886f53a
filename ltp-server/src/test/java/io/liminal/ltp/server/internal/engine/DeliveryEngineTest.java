package io.liminal.ltp.server.internal.engine;

import static io.liminal.ltp.server.TestFrames.json;
import static io.liminal.ltp.server.TestFrames.type;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.drain;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.event;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.initDelivery;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.numberedEvent;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.resumeDelivery;
import static io.liminal.ltp.server.internal.engine.DeliveryFrames.seqs;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.DeliveryInfo;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import io.liminal.ltp.server.store.DeliveryRetention;
import io.liminal.ltp.server.store.InMemoryThreadStore;
import io.liminal.ltp.server.transport.InMemoryTransport;
import io.liminal.ltp.server.transport.InMemoryTransport.Peer;
import io.liminal.ltp.testing.FakeClock;
import io.liminal.ltp.testing.FakeScheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The server side of delivery-v1 over the in-memory transport, on virtual time, with direct executors. */
class DeliveryEngineTest {
    private final FakeClock clock = new FakeClock();
    private final FakeScheduler scheduler = new FakeScheduler(clock);
    private final InMemoryTransport transport = new InMemoryTransport(scheduler);
    private final InMemoryThreadStore store = new InMemoryThreadStore();
    private final List<String> handled = new ArrayList<>();
    private final List<DeliveryInfo> infos = new ArrayList<>();
    private LtpServer server;

    private final LtpHandler recorder = new LtpHandler() {
        @Override
        public void onEvent(SessionContext session, EventPayload event) {
            handled.add(session.clientId() + ":" + event.data().getAsString());
            infos.add(session.delivery());
            if ("please reply".equals(event.data().getAsString())) {
                session.reply(event("reply-to-" + session.clientId()));
            }
        }
    };

    private LtpServer start(Consumer<LtpServer.Builder> configure) {
        LtpServer.Builder builder = TestServers.inMemory(transport, clock, scheduler, store).handler(recorder);
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

    @Test
    @DisplayName("a client offering delivery-v1 gets it in the ack; a plain client gets plain v0.3")
    void negotiation() {
        start(b -> { });
        JsonObject ack = initDelivery(transport.connect(), "c1", "instance-1");
        assertThat(ack.getAsJsonArray("server_capabilities").toString()).contains("delivery-v1");
        JsonObject welcome = ack.getAsJsonObject("delivery");
        assertThat(welcome.get("last_processed").getAsLong()).isZero();
        assertThat(welcome.get("first_available").getAsLong()).isEqualTo(1);
        assertThat(welcome.get("last_seq").getAsLong()).isZero();
        assertThat(welcome.has("missed")).isFalse();

        Peer plain = transport.connect();
        plain.sendText("{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"c2\"}");
        JsonObject plainAck = json(plain.poll());
        assertThat(plainAck.has("delivery")).isFalse();
        assertThat(plainAck.getAsJsonArray("server_capabilities").toString()).doesNotContain("delivery-v1");
    }

    @Test
    @DisplayName("with the extension off the server ignores the offer")
    void offByConfiguration() {
        start(LtpServer.Builder::noDelivery);
        JsonObject ack = initDelivery(transport.connect(), "c1", "instance-1");
        assertThat(ack.has("delivery")).isFalse();
    }

    @Test
    @DisplayName("pushes are numbered, kept while the client is away, and replayed in order before new ones")
    void replayAfterResume() {
        start(b -> { });
        Peer first = transport.connect();
        JsonObject ack = initDelivery(first, "c1", "instance-1");
        String thread = ack.get("thread_id").getAsString();
        server.pushTo(thread, event("one"));
        server.pushTo(thread, event("two"));
        List<JsonObject> live = drain(first);
        assertThat(seqs(live)).containsExactly(1L, 2L);
        assertThat(live.get(0).get("thread_id").getAsString()).isEqualTo(thread);
        first.clientClose(1001, "gone");

        assertThat(server.pushTo(thread, event("three")).join()).as("handed to no connection").isZero();
        server.pushTo(thread, event("four"));

        Peer second = transport.connect();
        JsonObject resumed = resumeDelivery(second, "c1", thread, "instance-1", 2);
        assertThat(resumed.getAsJsonObject("delivery").get("last_seq").getAsLong()).isEqualTo(4);
        server.pushTo(thread, event("five"));
        List<JsonObject> after = drain(second);
        assertThat(seqs(after)).containsExactly(3L, 4L, 5L);
        assertThat(after).extracting(m -> m.getAsJsonObject("payload").get("data").getAsString())
                .containsExactly("three", "four", "five");
        assertThat(after.get(0).get("session_id").getAsString()).isEqualTo(resumed.get("session_id").getAsString());
    }

    @Test
    @DisplayName("pushes that land while a delivery client is being bound reach it once each, numbered, in order")
    void pushesDuringBind() {
        PushingClock pushing = new PushingClock(clock);
        start(b -> b.clock(pushing));
        Peer first = transport.connect();
        String thread = initDelivery(first, "c1", "instance-1").get("thread_id").getAsString();
        first.clientClose(1001, "gone");

        // Every clock read while the resume is handled pushes one more message, so pushes land between any two steps
        // of the bind that read the clock.
        List<String> pushed = new ArrayList<>();
        pushing.onRead = () -> {
            if (pushed.size() == 50) {
                return; // pushes read the clock too: bound the chain
            }
            String data = "during-" + pushed.size();
            pushed.add(data);
            server.pushTo(thread, event(data));
        };
        Peer second = transport.connect();
        resumeDelivery(second, "c1", thread, "instance-1", 0);
        pushing.onRead = null;
        server.pushTo(thread, event("after"));
        pushed.add("after");

        List<JsonObject> events = drain(second).stream().filter(m -> type(m.toString()).equals("event")).toList();
        assertThat(pushed).hasSizeGreaterThan(2);
        assertThat(events).as("no plain copy besides the numbered one").allMatch(m -> m.has("seq"));
        assertThat(seqs(events)).isSorted().doesNotHaveDuplicates();
        assertThat(events).extracting(m -> m.getAsJsonObject("payload").get("data").getAsString())
                .containsExactlyElementsOf(pushed);
    }

    /** A clock that runs {@code onRead} (not reentrantly) whenever the server reads the time. */
    private static final class PushingClock extends Clock {
        private final Clock time;
        volatile Runnable onRead;
        private boolean reading;

        PushingClock(Clock time) {
            this.time = time;
        }

        @Override
        public long millis() {
            Runnable hook = onRead;
            if (hook != null && !reading) {
                reading = true;
                try {
                    hook.run();
                } finally {
                    reading = false;
                }
            }
            return time.millis();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public ZoneId getZone() {
            return time.getZone();
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @Test
    @DisplayName("numbered client messages reach the handler once, in order, and are acknowledged; resends are dropped")
    void inboundExactlyOnce() {
        start(b -> { });
        Peer peer = transport.connect();
        JsonObject ack = initDelivery(peer, "c1", "instance-1");
        peer.sendText(numberedEvent(ack, 1, "a"));
        peer.sendText(numberedEvent(ack, 2, "b"));
        assertThat(drain(peer)).filteredOn(m -> type(m.toString()).equals("delivery:ack"))
                .extracting(m -> m.getAsJsonObject("payload").get("through").getAsLong()).containsExactly(1L, 2L);
        peer.sendText(numberedEvent(ack, 2, "b"));
        peer.sendText(numberedEvent(ack, 1, "a"));
        List<JsonObject> acks = drain(peer);
        assertThat(acks).extracting(m -> m.getAsJsonObject("payload").get("through").getAsLong())
                .containsExactly(2L, 2L);
        peer.sendText(numberedEvent(ack, 3, "c"));
        assertThat(handled).containsExactly("c1:a", "c1:b", "c1:c");
        assertThat(infos).extracting(DeliveryInfo::sequence).containsExactly(1L, 2L, 3L);
        assertThat(infos).extracting(DeliveryInfo::clientInstance).containsOnly("instance-1");
        assertThat(infos).extracting(DeliveryInfo::possibleRedelivery).as("no earlier run could have handed them over")
                .containsExactly(false, false, false);
        assertThat(store.inboundCursor(ack.get("thread_id").getAsString(), "instance-1").seq()).isEqualTo(3);

        peer.clientClose(1001, "bye");
        JsonObject resumed = resumeDelivery(transport.connect(), "c1", ack.get("thread_id").getAsString(),
                "instance-1", 0);
        assertThat(resumed.getAsJsonObject("delivery").get("last_processed").getAsLong()).isEqualTo(3);
    }

    @Test
    @DisplayName("messages read together are acknowledged by one cumulative ack once all are processed")
    void acksOfABurstAreCombined() {
        start(b -> { });
        Peer peer = transport.connect();
        JsonObject ack = initDelivery(peer, "c1", "instance-1");
        peer.sendTexts(numberedEvent(ack, 1, "a"), numberedEvent(ack, 2, "b"), numberedEvent(ack, 3, "c"));
        assertThat(drain(peer)).filteredOn(m -> type(m.toString()).equals("delivery:ack"))
                .extracting(m -> m.getAsJsonObject("payload").get("through").getAsLong()).containsExactly(3L);
        assertThat(handled).containsExactly("c1:a", "c1:b", "c1:c");
        peer.sendText(numberedEvent(ack, 4, "d"));
        assertThat(drain(peer)).extracting(m -> m.getAsJsonObject("payload").get("through").getAsLong())
                .as("the next message gets its own ack").containsExactly(4L);
    }

    @Test
    @DisplayName("a resume that asks for trimmed messages is told exactly which it missed")
    void trimmedRangeIsReported() {
        start(b -> b.delivery(new DeliveryRetention(2, 1 << 20, Duration.ofHours(1))));
        Peer first = transport.connect();
        JsonObject ack = initDelivery(first, "c1", "instance-1");
        String thread = ack.get("thread_id").getAsString();
        first.clientClose(1001, "gone");
        for (int i = 1; i <= 5; i++) {
            server.pushTo(thread, event("m" + i));
        }
        Peer second = transport.connect();
        JsonObject resumed = resumeDelivery(second, "c1", thread, "instance-1", 0);
        JsonObject missed = resumed.getAsJsonObject("delivery").getAsJsonObject("missed");
        assertThat(missed.get("from").getAsLong()).isEqualTo(1);
        assertThat(missed.get("to").getAsLong()).isEqualTo(3);
        assertThat(seqs(drain(second))).containsExactly(4L, 5L);
    }

    @Test
    @DisplayName("two clients on one thread: pushes reach both, replies only their asker, cursors are per instance")
    void twoClientsShareAThread() {
        start(b -> b.maxConnectionsPerClient(0));
        Peer phone = transport.connect();
        JsonObject phoneAck = initDelivery(phone, "user", "phone");
        String thread = phoneAck.get("thread_id").getAsString();
        Peer laptop = transport.connect();
        JsonObject laptopAck = resumeDelivery(laptop, "user", thread, "laptop", 0);

        server.pushTo(thread, event("to everyone"));
        phone.sendText(numberedEvent(phoneAck, 1, "please reply"));
        laptop.sendText(numberedEvent(laptopAck, 1, "laptop says hi"));

        List<JsonObject> phoneGot = drain(phone);
        List<JsonObject> laptopGot = drain(laptop);
        assertThat(phoneGot).filteredOn(m -> "event".equals(m.get("type").getAsString()))
                .extracting(m -> m.getAsJsonObject("payload").get("data").getAsString())
                .containsExactly("to everyone", "reply-to-user");
        assertThat(laptopGot).filteredOn(m -> "event".equals(m.get("type").getAsString()))
                .extracting(m -> m.getAsJsonObject("payload").get("data").getAsString())
                .containsExactly("to everyone");
        assertThat(handled).as("seq 1 of each instance is its own message").containsExactly("user:please reply",
                "user:laptop says hi");
        assertThat(store.inboundCursor(thread, "phone").seq()).isEqualTo(1);
        assertThat(store.inboundCursor(thread, "laptop").seq()).isEqualTo(1);

        // The laptop comes back later: the phone's reply is not replayed to it.
        laptop.clientClose(1001, "sleep");
        Peer laptopAgain = transport.connect();
        resumeDelivery(laptopAgain, "user", thread, "laptop", 1);
        assertThat(drain(laptopAgain)).isEmpty();
    }

    @Test
    @DisplayName("a plain connection of a delivery thread gets pushes without numbers; plain replies are not logged")
    void plainPeerOnADeliveryThread() {
        start(b -> b.maxConnectionsPerClient(0));
        Peer numbered = transport.connect();
        JsonObject ack = initDelivery(numbered, "user", "tab-1");
        String thread = ack.get("thread_id").getAsString();
        Peer plain = transport.connect();
        plain.sendText("{\"type\":\"handshake_resume\",\"ltp_version\":\"0.3\",\"client_id\":\"user\","
                + "\"thread_id\":\"" + thread + "\"}");
        JsonObject plainAck = json(plain.poll());
        assertThat(plainAck.has("delivery")).isFalse();
        server.pushTo(thread, event("hello"));
        List<JsonObject> plainGot = drain(plain);
        assertThat(plainGot).singleElement().satisfies(m -> {
            assertThat(m.has("seq")).isFalse();
            assertThat(m.getAsJsonObject("payload").get("data").getAsString()).isEqualTo("hello");
        });
        assertThat(seqs(drain(numbered))).containsExactly(1L);
        plain.sendText("{\"type\":\"event\",\"thread_id\":\"" + thread + "\",\"session_id\":\""
                + plainAck.get("session_id").getAsString() + "\",\"timestamp\":1731600000,\"payload\":{"
                + "\"event_type\":\"note\",\"data\":\"please reply\"}}");
        assertThat(drain(plain)).singleElement().satisfies(m -> assertThat(m.has("seq")).isFalse());
        assertThat(store.outboundBounds(thread).last()).isEqualTo(1);
    }

    @Test
    @DisplayName("acknowledgements are accepted quietly and do not count against the rate limit")
    void acksAreFree() {
        start(b -> b.rateLimit(3, Duration.ofMinutes(1)));
        Peer peer = transport.connect();
        JsonObject ack = initDelivery(peer, "c1", "instance-1");
        for (int i = 1; i <= 10; i++) {
            peer.sendText("{\"type\":\"delivery:ack\",\"thread_id\":\"" + ack.get("thread_id").getAsString()
                    + "\",\"session_id\":\"" + ack.get("session_id").getAsString()
                    + "\",\"timestamp\":1731600000,\"payload\":{\"through\":" + i + "}}");
        }
        assertThat(drain(peer)).isEmpty();
    }

    @Test
    @DisplayName("a push to a thread nobody uses the extension on is not logged")
    void plainThreadsAreNotLogged() {
        start(b -> { });
        Peer peer = transport.connect();
        peer.sendText("{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"c\"}");
        String thread = json(peer.poll()).get("thread_id").getAsString();
        assertThat(server.pushTo(thread, event("x")).join()).isEqualTo(1);
        assertThat(drain(peer)).singleElement().satisfies(m -> assertThat(m.has("seq")).isFalse());
        assertThat(store.deliveryEnabled(thread)).isFalse();
        assertThat(store.outboundBounds(thread).last()).isZero();
    }
}
