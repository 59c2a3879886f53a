package io.liminal.ltp.server.internal.engine;

import static io.liminal.ltp.server.TestFrames.errorCode;
import static io.liminal.ltp.server.TestFrames.event;
import static io.liminal.ltp.server.TestFrames.init;
import static io.liminal.ltp.server.TestFrames.json;
import static io.liminal.ltp.server.TestFrames.ping;
import static io.liminal.ltp.server.TestFrames.resume;
import static io.liminal.ltp.server.TestFrames.stateUpdate;
import static io.liminal.ltp.server.TestFrames.type;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.message.ContentEncoding;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.core.message.StateUpdatePayload;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import io.liminal.ltp.server.TestFrames;
import io.liminal.ltp.server.auth.AuthRequest;
import io.liminal.ltp.server.auth.AuthResult;
import io.liminal.ltp.server.store.ForwardingStore;
import io.liminal.ltp.server.store.InMemoryThreadStore;
import io.liminal.ltp.server.store.ThreadRecord;
import io.liminal.ltp.server.store.ThreadStore;
import io.liminal.ltp.server.transport.HttpReply;
import io.liminal.ltp.server.transport.InMemoryTransport;
import io.liminal.ltp.server.transport.InMemoryTransport.Peer;
import io.liminal.ltp.testing.FakeClock;
import io.liminal.ltp.testing.FakeScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * The engine over the in-memory transport, on virtual time, with direct executors: every step is deterministic.
 */
class EngineTest {
    private final FakeClock clock = new FakeClock();
    private final FakeScheduler scheduler = new FakeScheduler(clock);
    private final InMemoryTransport transport = new InMemoryTransport(scheduler);
    private final RecordingHandler handler = new RecordingHandler();
    private final InMemoryThreadStore store = new InMemoryThreadStore();
    private LtpServer server;

    private LtpServer start(Consumer<LtpServer.Builder> configure) {
        LtpServer.Builder builder = LtpServer.builder()
                .transport(transport)
                .clock(clock)
                .maintenanceScheduler(scheduler)
                .applicationExecutor(Runnable::run)
                .blockingExecutor(Runnable::run)
                .threadStore(store)
                .heartbeatInterval(Duration.ofSeconds(15))
                .handler(handler)
                .customTypes("lri:*");
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

    private static JsonObject handshake(Peer peer, String frame) {
        peer.sendText(frame);
        String reply = peer.poll();
        assertThat(reply).as("handshake reply").isNotNull();
        return json(reply);
    }

    @Test
    @DisplayName("LTP-HS-003: init is acked with fresh UUID v4 ids, the configured heartbeat, capabilities and metadata")
    void initAck() {
        start(b -> b.heartbeatInterval(Duration.ofMillis(1234)));
        JsonObject ack = handshake(transport.connect(), init("client-1"));
        assertThat(ack.get("type").getAsString()).isEqualTo("handshake_ack");
        assertThat(ack.get("thread_id").getAsString()).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(ack.get("session_id").getAsString()).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(ack.get("heartbeat_interval_ms").getAsLong()).isEqualTo(1234);
        assertThat(ack.get("resumed").getAsBoolean()).isFalse();
        assertThat(ack.getAsJsonArray("server_capabilities")).isNotEmpty();
        assertThat(ack.getAsJsonObject("metadata").get("implementation").getAsString()).isEqualTo("ltp-java");
        assertThat(store.find(ack.get("thread_id").getAsString())).isPresent();
        assertThat(handler.calls).containsExactly("opened " + ack.get("thread_id").getAsString());
    }

    @Test
    @DisplayName("Session callbacks the handler does not override cost no hand-off; the thread is still retired")
    void defaultSessionCallbacksAreNotDispatched() {
        List<Runnable> handedOff = new ArrayList<>();
        start(b -> b.handler(new LtpHandler() { }).applicationExecutor(handedOff::add));
        Peer peer = transport.connect();
        JsonObject ack = handshake(peer, init("client-1"));
        assertThat(server.liveThreadCount()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(5));
        peer.sendText(ping(ack));
        assertThat(type(peer.poll())).isEqualTo("pong");
        clock.advance(Duration.ofSeconds(5));
        peer.clientClose(1000, "bye");
        assertThat(handedOff).isEmpty();
        assertThat(server.liveThreadCount()).isZero();
        assertThat(store.find(ack.get("thread_id").getAsString()).orElseThrow().lastActiveAt())
                .isEqualTo(clock.instant().minusSeconds(5));
    }

    @Test
    @DisplayName("LTP-HS-004: a resume after a disconnect keeps the thread, gets a never-issued session and resumed:true")
    void resumeKeepsThread() {
        start(b -> { });
        Peer first = transport.connect();
        JsonObject ack = handshake(first, init("client-1"));
        first.clientClose(1001, "bye");
        JsonObject resumed = handshake(transport.connect(), resume("client-1", ack.get("thread_id").getAsString()));
        assertThat(resumed.get("type").getAsString()).isEqualTo("handshake_ack");
        assertThat(resumed.get("thread_id").getAsString()).isEqualTo(ack.get("thread_id").getAsString());
        assertThat(resumed.get("session_id").getAsString()).isNotEqualTo(ack.get("session_id").getAsString());
        assertThat(resumed.get("resumed").getAsBoolean()).isTrue();
        assertThat(handler.calls).hasSize(3).element(1).asString().startsWith("closed");
    }

    @Test
    @DisplayName("LTP-HS-005 / LTP-HS-006 / LTP-HS-012: unknown thread and foreign owner are rejected; init works after")
    void rejections() {
        start(b -> { });
        JsonObject ack = handshake(transport.connect(), init("owner"));
        Peer peer = transport.connect();
        JsonObject reject = handshake(peer, resume("owner", "00000000-0000-4000-8000-000000000000"));
        assertThat(reject.get("reason").getAsString()).isEqualTo("thread_not_found");
        assertThat(reject.get("suggest_new").getAsBoolean()).isTrue();
        JsonObject forbidden = handshake(peer, resume("intruder", ack.get("thread_id").getAsString()));
        assertThat(forbidden.get("reason").getAsString()).isEqualTo("forbidden");
        assertThat(handshake(peer, init("intruder")).get("type").getAsString()).isEqualTo("handshake_ack");
        assertThat(peer.isClosed()).isFalse();
    }

    @Test
    @DisplayName("LTP-HB-004: threads stay resumable for the TTL after their last activity, then are evicted")
    void threadTtl() {
        start(b -> b.threadTtl(Duration.ofMinutes(30)).sweepInterval(Duration.ofMinutes(1)));
        Peer first = transport.connect();
        JsonObject ack = handshake(first, init("c"));
        String threadId = ack.get("thread_id").getAsString();
        first.clientClose(1000, "");
        scheduler.advance(Duration.ofMinutes(29));
        Peer second = transport.connect();
        assertThat(handshake(second, resume("c", threadId)).get("type").getAsString()).isEqualTo("handshake_ack");
        second.clientClose(1000, "");
        scheduler.advance(Duration.ofMinutes(31));
        assertThat(store.find(threadId)).as("swept").isEmpty();
        assertThat(handshake(transport.connect(), resume("c", threadId)).get("reason").getAsString())
                .isEqualTo("thread_not_found");
    }

    @Test
    @DisplayName("a thread expired but not yet swept is not resumable either")
    void expiredBeforeSweep() {
        start(b -> b.threadTtl(Duration.ofMinutes(30)).sweepInterval(Duration.ofHours(24)));
        Peer first = transport.connect();
        String threadId = handshake(first, init("c")).get("thread_id").getAsString();
        first.clientClose(1000, "");
        clock.advance(Duration.ofMinutes(31));
        assertThat(handshake(transport.connect(), resume("c", threadId)).get("reason").getAsString())
                .isEqualTo("thread_not_found");
    }

    @Test
    @DisplayName("a connection without a handshake is closed after the handshake timeout")
    void handshakeTimeout() {
        start(b -> b.handshakeTimeout(Duration.ofSeconds(10)));
        Peer peer = transport.connect();
        scheduler.advance(Duration.ofMillis(9_999));
        assertThat(peer.isClosed()).isFalse();
        scheduler.advance(Duration.ofMillis(1));
        assertThat(peer.closeCode()).isEqualTo(1000);
        assertThat(peer.closeReason()).isEqualTo("handshake_timeout");
    }

    @Test
    @DisplayName("LTP-HB-003: no close while any message arrived within 2x the interval; closed 1000 heartbeat_timeout after")
    void idleTimeout() {
        start(b -> b.heartbeatInterval(Duration.ofSeconds(15)));
        Peer peer = transport.connect();
        JsonObject ack = handshake(peer, init("c"));
        for (int i = 0; i < 4; i++) {
            scheduler.advance(Duration.ofSeconds(29));
            peer.sendText(i % 2 == 0 ? ping(ack) : stateUpdate(ack, "minimal", "{}"));
        }
        assertThat(peer.isClosed()).isFalse();
        scheduler.advance(Duration.ofMillis(29_999));
        assertThat(peer.isClosed()).isFalse();
        scheduler.advance(Duration.ofMillis(1));
        assertThat(peer.closeCode()).isEqualTo(1000);
        assertThat(peer.closeReason()).isEqualTo("heartbeat_timeout");
    }

    @Test
    @DisplayName("LTP-HB-003: a session silent from its ack on closes at 2x the interval (handshake timeout shorter)")
    void idleTimeoutFromTheAck() {
        assertIdleCloseAtTheLimit(Duration.ofSeconds(10));
    }

    @Test
    @DisplayName("LTP-HB-003: a session silent from its ack on closes at 2x the interval (handshake timeout longer)")
    void idleTimeoutFromTheAckWithALongHandshakeTimeout() {
        assertIdleCloseAtTheLimit(Duration.ofSeconds(60));
    }

    /** One timer serves the handshake timeout and then the idle check: the close must still come on time. */
    private void assertIdleCloseAtTheLimit(Duration handshakeTimeout) {
        start(b -> b.heartbeatInterval(Duration.ofSeconds(15)).handshakeTimeout(handshakeTimeout));
        Peer peer = transport.connect();
        handshake(peer, init("c"));
        scheduler.advance(Duration.ofMillis(29_999));
        assertThat(peer.isClosed()).isFalse();
        scheduler.advance(Duration.ofMillis(1));
        assertThat(peer.closeReason()).isEqualTo("heartbeat_timeout");
    }

    @Test
    @DisplayName("rate limit: RATE_LIMIT_EXCEEDED without closing, pings exempt, shared across reconnects, refills over time")
    void rateLimit() {
        start(b -> b.rateLimit(3, Duration.ofMinutes(1)));
        Peer peer = transport.connect();
        JsonObject ack = handshake(peer, init("c"));
        peer.drain();
        // The resume-free init is exempt; three events pass, the fourth is refused.
        for (int i = 0; i < 4; i++) {
            peer.sendText(event(ack, "e", String.valueOf(i)));
        }
        peer.sendText(ping(ack));
        List<String> replies = peer.drain();
        assertThat(replies).hasSize(2);
        assertThat(errorCode(replies.get(0))).isEqualTo("RATE_LIMIT_EXCEEDED");
        assertThat(json(replies.get(0)).getAsJsonObject("payload").getAsJsonObject("details").get("limit").getAsInt())
                .isEqualTo(3);
        assertThat(type(replies.get(1))).isEqualTo("pong");
        assertThat(handler.events).hasSize(3);
        assertThat(peer.isClosed()).isFalse();

        // Reconnecting does not refill the bucket: it belongs to the thread (auth is off), not to the connection.
        peer.clientClose(1000, "");
        Peer again = transport.connect();
        JsonObject ack2 = handshake(again, resume("c", ack.get("thread_id").getAsString()));
        assertThat(type(ack2.toString())).as("handshakes are charged to the address, not to this bucket")
                .isEqualTo("handshake_ack");
        again.sendText(event(ack2, "e", "4"));
        assertThat(errorCode(again.poll())).isEqualTo("RATE_LIMIT_EXCEEDED");
        clock.advance(Duration.ofSeconds(20));
        again.sendText(event(ack2, "e", "5"));
        assertThat(again.poll()).isNull();
        assertThat(handler.events).hasSize(4).endsWith("5");
    }

    @Test
    @DisplayName("maxConnections: the next connection is closed at once with 1008 Server at capacity")
    void capacity() {
        start(b -> b.maxConnections(1));
        transport.connect();
        Peer second = transport.connect();
        assertThat(second.closeCode()).isEqualTo(1008);
        assertThat(second.closeReason()).isEqualTo("Server at capacity");
        assertThat(server.connectionCount()).isEqualTo(1);
    }

    @Test
    @DisplayName("maxConnectionsPerClient: a second session of the same client id is refused and closed 1008")
    void perClientLimit() {
        start(b -> b.maxConnectionsPerClient(1));
        JsonObject ack = handshake(transport.connect(), init("c"));
        Peer second = transport.connect();
        second.sendText(resume("c", ack.get("thread_id").getAsString()));
        assertThat(errorCode(second.poll())).isEqualTo("RATE_LIMIT_EXCEEDED");
        assertThat(second.closeCode()).isEqualTo(1008);
        assertThat(handshake(transport.connect(), init("other")).get("type").getAsString()).isEqualTo("handshake_ack");
    }

    @Test
    @DisplayName("A-8: two connections may share a thread; with a per-thread cap the oldest is closed session_superseded")
    void sharedThreadAndCap() {
        start(b -> { });
        Peer tab1 = transport.connect();
        JsonObject ack = handshake(tab1, init("c"));
        Peer tab2 = transport.connect();
        handshake(tab2, resume("c", ack.get("thread_id").getAsString()));
        assertThat(tab1.isClosed()).isFalse();
        assertThat(server.pushTo(ack.get("thread_id").getAsString(), Envelope.builder("event")
                .payload(new EventPayload("note", new JsonPrimitive(1)).toJson()).build()).join()).isEqualTo(2);
        assertThat(type(tab1.poll())).isEqualTo("event");
        assertThat(type(tab2.poll())).isEqualTo("event");
        server.close();

        EngineTest capped = new EngineTest();
        capped.start(b -> b.maxConnectionsPerThread(1));
        Peer old = capped.transport.connect();
        JsonObject first = handshake(old, init("c"));
        handshake(capped.transport.connect(), resume("c", first.get("thread_id").getAsString()));
        assertThat(old.closeCode()).isEqualTo(1000);
        assertThat(old.closeReason()).isEqualTo("session_superseded");
        capped.stop();
    }

    @Test
    @DisplayName("maxThreads: inits beyond it are refused with close 1008 Server at capacity")
    void maxThreads() {
        start(b -> b.maxThreads(1));
        handshake(transport.connect(), init("a"));
        Peer second = transport.connect();
        second.sendText(init("b"));
        assertThat(errorCode(second.poll())).isEqualTo("RATE_LIMIT_EXCEEDED");
        assertThat(second.closeReason()).isEqualTo("Server at capacity");
    }

    @Test
    @DisplayName("handlers get state_update, event and routed custom types with their context; unrouted types never reach them")
    void handlerDelivery() {
        start(b -> { });
        Peer peer = transport.connect();
        JsonObject ack = handshake(peer, init("c"));
        String threadId = ack.get("thread_id").getAsString();
        peer.sendText(stateUpdate(ack, "lri_envelope_v1", "{\"x\":1}").replace("\"payload\"",
                "\"meta\":{\"context_tag\":\"evening_reflection\",\"affect\":{\"valence\":0.3}},\"payload\""));
        peer.sendText(event(ack, "user_action", "{\"a\":1}"));
        peer.sendText(TestFrames.envelope("lri:resonance_pattern", threadId, ack.get("session_id").getAsString(), "{\"p\":1}"));
        peer.sendText(TestFrames.envelope("vendor:thing", threadId, ack.get("session_id").getAsString(), "{}"));
        assertThat(handler.calls).containsExactly("opened " + threadId, "state_update lri_envelope_v1 evening_reflection",
                "event user_action", "custom lri:resonance_pattern");
        assertThat(errorCode(peer.drain().get(0))).isEqualTo("UNKNOWN_MESSAGE_TYPE");
        assertThat(handler.mdcThreadIds).containsOnly(threadId);
    }

    @Test
    @DisplayName("replies are stamped with the session's ids, a timestamp and a server nonce; handler exceptions leave the connection alone")
    void repliesAndFailures() {
        handler.onEvent = (session, event) -> {
            if (event.eventType().equals("boom")) {
                throw new IllegalStateException("handler bug");
            }
            session.reply(Envelope.builder("event").payload(new EventPayload("echo", event.data()).toJson()).build());
        };
        start(b -> { });
        Peer peer = transport.connect();
        JsonObject ack = handshake(peer, init("c"));
        peer.sendText(event(ack, "boom", "1"));
        peer.sendText(event(ack, "hello", "2"));
        JsonObject reply = json(peer.poll());
        assertThat(reply.get("thread_id").getAsString()).isEqualTo(ack.get("thread_id").getAsString());
        assertThat(reply.get("session_id").getAsString()).isEqualTo(ack.get("session_id").getAsString());
        assertThat(reply.get("timestamp").getAsLong()).isEqualTo(clock.millis() / 1000);
        assertThat(reply.get("nonce").getAsString()).startsWith("server-");
        assertThat(reply.getAsJsonObject("payload").get("data").getAsInt()).isEqualTo(2);
        assertThat(metrics()).contains("ltp_handler_errors_total 1.0");
    }

    @Test
    @DisplayName("a slow handler backs up its thread's lane; the server stops reading that connection, then resumes")
    void backpressure() {
        ManualExecutor app = new ManualExecutor();
        start(b -> b.applicationExecutor(app).maxHandlerBacklog(4));
        Peer peer = transport.connect();
        JsonObject ack = handshake(peer, init("c"));
        app.runAll();
        for (int i = 0; i < 6; i++) {
            peer.sendText(event(ack, "e", String.valueOf(i)));
        }
        assertThat(peer.isReading()).isFalse();
        app.runAll();
        assertThat(peer.isReading()).isTrue();
        assertThat(handler.events).containsExactly("0", "1", "2", "3", "4", "5");
    }

    @Test
    @DisplayName("per-thread order holds across a reconnect while the old connection's messages are still queued")
    void orderAcrossReconnect() {
        ManualExecutor app = new ManualExecutor();
        start(b -> b.applicationExecutor(app));
        Peer first = transport.connect();
        JsonObject ack = handshake(first, init("c"));
        first.sendText(event(ack, "e", "1"));
        first.sendText(event(ack, "e", "2"));
        first.clientClose(1006, "");
        Peer second = transport.connect();
        JsonObject resumed = handshake(second, resume("c", ack.get("thread_id").getAsString()));
        second.sendText(event(resumed, "e", "3"));
        app.runAll();
        assertThat(handler.events).containsExactly("1", "2", "3");
    }

    @Test
    @DisplayName("pushTo an offline thread reaches nobody; broadcast reaches every session")
    void pushAndBroadcast() {
        start(b -> { });
        Peer a = transport.connect();
        JsonObject ackA = handshake(a, init("a"));
        Peer b = transport.connect();
        handshake(b, init("b"));
        Envelope note = Envelope.builder("event").payload(new EventPayload("note", new JsonPrimitive("hi")).toJson()).build();
        assertThat(server.pushTo("offline-thread", note).join()).isZero();
        assertThat(server.broadcast(note).join()).isEqualTo(2);
        JsonObject toA = json(a.poll());
        assertThat(toA.get("thread_id").getAsString()).isEqualTo(ackA.get("thread_id").getAsString());
        assertThat(type(b.poll())).isEqualTo("event");
    }

    @Test
    @DisplayName("LTP-ENC-002: handlers see the message as received, TOON data unparsed with its encoding")
    void handlersSeeTheMessage() {
        List<Envelope> seen = new ArrayList<>();
        start(b -> b.handler(new LtpHandler() {
            @Override
            public void onStateUpdate(SessionContext session, StateUpdatePayload update) {
                seen.add(session.message());
            }

            @Override
            public void onSessionOpened(SessionContext session) {
                seen.add(session.message());
            }
        }));
        Peer peer = transport.connect();
        JsonObject ack = handshake(peer, init("client-1"));
        String toon = "affect_log[1]{t,valence}:\n  1,0.2";
        String toonJson = "\"affect_log[1]{t,valence}:\\n  1,0.2\"";
        peer.sendText(stateUpdate(ack, "affect_log_v1", toonJson).replace("\"payload\"",
                "\"content_encoding\":\"toon\",\"x_extra\":1,\"payload\""));
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0)).as("session callbacks have no message").isNull();
        Envelope message = seen.get(1);
        assertThat(message.encoding()).isEqualTo(ContentEncoding.TOON);
        assertThat(StateUpdatePayload.from(message).data().getAsString()).isEqualTo(toon);
        assertThat(message.extraFields()).containsKey("x_extra");
    }

    @Test
    @DisplayName("§3.5: a 0.2 session never gets TOON from the server; its data arrives as JSON")
    void toonDowngradeFor02() {
        String toon = "affect_log[2]{t,valence}:\n  1,0.2\n  2,0.3";
        handler.onEvent = (session, event) -> session.reply(Envelope.builder("state_update")
                .contentEncoding(ContentEncoding.TOON)
                .payload(new StateUpdatePayload("affect_log_v1", new JsonPrimitive(toon)).toJson()).build());
        start(b -> { });
        Peer v02 = transport.connect();
        JsonObject ack = handshake(v02, init("c", "0.2"));
        assertThat(ack.get("ltp_version").getAsString()).isEqualTo("0.2");
        v02.sendText(event(ack, "e", "1"));
        JsonObject reply = json(v02.poll());
        assertThat(reply.has("content_encoding")).isFalse();
        assertThat(reply.getAsJsonObject("payload").get("data")).isEqualTo(JsonParser.parseString(
                "{\"affect_log\":[{\"t\":1,\"valence\":0.2},{\"t\":2,\"valence\":0.3}]}"));
        Peer v03 = transport.connect();
        JsonObject ack3 = handshake(v03, init("d"));
        v03.sendText(event(ack3, "e", "1"));
        assertThat(json(v03.poll()).get("content_encoding").getAsString()).isEqualTo("toon");
    }

    @Test
    @DisplayName("LTP-SEC-007: tokens from metadata or the Authorization header; refusal is INVALID_CLIENT_ID + 1008 Unauthorized")
    void authentication() {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        start(b -> b.authenticator(request -> {
            seen.add(request.tokenSource() + ":" + request.token());
            return "good".equals(request.token()) ? AuthResult.allow("alice") : AuthResult.deny("bad token");
        }));
        JsonObject ack = handshake(transport.connect(), TestFrames.initWithToken("c", "good"));
        assertThat(ack.get("type").getAsString()).isEqualTo("handshake_ack");
        assertThat(handler.principals).containsExactly("alice");
        Peer header = transport.connect(List.of("ltp.v0.3"), Map.of("Authorization", "Bearer good"));
        assertThat(handshake(header, resume("c", ack.get("thread_id").getAsString())).get("type").getAsString())
                .isEqualTo("handshake_ack");
        Peer bad = transport.connect();
        bad.sendText(TestFrames.initWithToken("c", "forged"));
        assertThat(errorCode(bad.poll())).isEqualTo("INVALID_CLIENT_ID");
        assertThat(bad.closeCode()).isEqualTo(1008);
        assertThat(bad.closeReason()).isEqualTo("Unauthorized");
        assertThat(seen).containsExactly("HANDSHAKE_METADATA:good", "AUTHORIZATION_HEADER:good", "HANDSHAKE_METADATA:forged");
        assertThat(new AuthRequest("c", "secret-token", AuthRequest.TokenSource.HANDSHAKE_METADATA, false, null,
                name -> null).toString()).doesNotContain("secret-token");
    }

    @Test
    @DisplayName("threads remember their principal: another principal with the same client id cannot resume")
    void principalBinding() {
        start(b -> b.authenticator(request -> AuthResult.allow(request.token())));
        JsonObject ack = handshake(transport.connect(), TestFrames.initWithToken("shared-device", "alice"));
        JsonObject reject = handshake(transport.connect(), "{\"type\":\"handshake_resume\",\"ltp_version\":\"0.3\","
                + "\"client_id\":\"shared-device\",\"thread_id\":\"" + ack.get("thread_id").getAsString()
                + "\",\"metadata\":{\"auth_token\":\"mallory\"}}");
        assertThat(reject.get("reason").getAsString()).isEqualTo("forbidden");
    }

    @Test
    @DisplayName("a blocking store is called off the lane; frames sent meanwhile are answered after the ack, in order")
    void blockingStore() {
        ManualExecutor blocking = new ManualExecutor();
        BlockingStore slow = new BlockingStore(new InMemoryThreadStore());
        start(b -> b.threadStore(slow).blockingExecutor(blocking));
        Peer peer = transport.connect();
        peer.sendText(init("c"));
        peer.sendText("{\"type\":\"ping\",\"thread_id\":\"unknown\",\"session_id\":\"unknown\",\"timestamp\":1,\"payload\":{}}");
        assertThat(peer.drain()).isEmpty();
        blocking.runAll();
        List<String> replies = peer.drain();
        assertThat(replies).hasSize(2);
        assertThat(type(replies.get(0))).isEqualTo("handshake_ack");
        assertThat(errorCode(replies.get(1))).isEqualTo("UNKNOWN_THREAD");
    }

    @Test
    @DisplayName("a failing store closes the handshake with 1011 and no error frame")
    void storeFailure() {
        ThreadStore broken = new BlockingStore(new InMemoryThreadStore()) {
            @Override
            public void create(ThreadRecord thread) {
                throw new IllegalStateException("disk full");
            }
        };
        start(b -> b.threadStore(broken));
        Peer peer = transport.connect();
        peer.sendText(init("c"));
        assertThat(peer.drain()).isEmpty();
        assertThat(peer.closeCode()).isEqualTo(1011);
    }

    @Test
    @DisplayName("context tag, affect and activity are written back to the store when the last connection closes")
    void writeBack() {
        start(b -> { });
        Peer peer = transport.connect();
        JsonObject ack = handshake(peer, init("c"));
        clock.advance(Duration.ofSeconds(42));
        Instant activity = clock.instant();
        peer.sendText(stateUpdate(ack, "minimal", "{}").replace("\"payload\"",
                "\"meta\":{\"context_tag\":\"focus_session\",\"affect\":{\"valence\":0.5,\"arousal\":-0.1}},\"payload\""));
        peer.clientClose(1000, "");
        ThreadRecord stored = store.find(ack.get("thread_id").getAsString()).orElseThrow();
        assertThat(stored.contextTag()).isEqualTo("focus_session");
        assertThat(stored.affect()).isEqualTo(JsonParser.parseString("{\"valence\":0.5,\"arousal\":-0.1}"));
        assertThat(stored.lastActiveAt()).isEqualTo(activity);
    }

    @Test
    @DisplayName("drain: not ready, new upgrades refused, open connections closed 1001; shutdown writes live threads back")
    void drainAndShutdown() {
        start(b -> { });
        Peer peer = transport.connect();
        JsonObject ack = handshake(peer, init("c"));
        peer.sendText(stateUpdate(ack, "minimal", "{}").replace("\"payload\"", "\"meta\":{\"context_tag\":\"late\"},\"payload\""));
        assertThat(transport.http("GET", "/ready", null).status()).isEqualTo(200);
        server.drain();
        assertThat(peer.closeCode()).isEqualTo(1001);
        assertThat(transport.http("GET", "/ready", null).status()).isEqualTo(503);
        assertThat(server.isReady()).isFalse();
        assertThatThrownBy(transport::connect).hasMessageContaining("503");
        server.close();
        assertThat(store.find(ack.get("thread_id").getAsString()).orElseThrow().contextTag()).isEqualTo("late");
    }

    @Test
    @DisplayName("/health and /metrics report connections, threads, handshakes, messages, errors and limits")
    void healthAndMetrics() {
        start(b -> b.rateLimit(1, Duration.ofMinutes(1)));
        Peer peer = transport.connect();
        JsonObject ack = handshake(peer, init("c"));
        peer.sendText(ping(ack));
        peer.sendText(event(ack, "e", "1"));
        peer.sendText(event(ack, "e", "2"));
        peer.sendText("garbage");
        HttpReply health = transport.http("GET", "/health", null);
        JsonObject body = json(health.body());
        assertThat(body.get("status").getAsString()).isEqualTo("ok");
        assertThat(body.get("connections").getAsInt()).isEqualTo(1);
        assertThat(body.getAsJsonObject("threads").get("live").getAsInt()).isEqualTo(1);
        assertThat(body.getAsJsonObject("threads").get("stored").getAsInt()).isEqualTo(1);
        assertThat(body.has("uptime_seconds")).isTrue();
        String metrics = metrics();
        assertThat(metrics).contains("ltp_connections_active 1.0", "ltp_connections_total 1.0",
                "ltp_handshakes_total{outcome=\"accepted_new\"} 1.0",
                "ltp_messages_received_total{type=\"ping\"} 1.0",
                "ltp_messages_sent_total{type=\"pong\"} 1.0",
                "ltp_errors_total{code=\"RATE_LIMIT_EXCEEDED\"} 1.0",
                "ltp_errors_total{code=\"MALFORMED_MESSAGE\"} 1.0",
                "ltp_rate_limited_total 1.0", "ltp_threads_stored 1.0", "ltp_message_handling_seconds_count");
        assertThat(transport.http("GET", "/nope", null).status()).isEqualTo(404);
        assertThat(transport.http("POST", "/health", null).status()).isEqualTo(405);
    }

    @Test
    @DisplayName("POST /admin/drain is off without a token and needs the right bearer token")
    void adminDrain() {
        start(b -> b.adminToken("0123456789abcdef0123"));
        assertThat(transport.http("POST", "/admin/drain", null).status()).isEqualTo(401);
        assertThat(transport.http("POST", "/admin/drain", "Bearer wrong").status()).isEqualTo(401);
        assertThat(transport.http("GET", "/admin/drain", "Bearer 0123456789abcdef0123").status()).isEqualTo(405);
        assertThat(server.isReady()).isTrue();
        assertThat(transport.http("POST", "/admin/drain", "Bearer 0123456789abcdef0123").status()).isEqualTo(202);
        assertThat(server.isReady()).isFalse();
        server.close();

        EngineTest plain = new EngineTest();
        plain.start(b -> { });
        assertThat(plain.transport.http("POST", "/admin/drain", "Bearer 0123456789abcdef0123").status()).isEqualTo(404);
        plain.stop();
    }

    @Test
    @DisplayName("LTP-SEC-004 / LTP-SEC-005: with signing and replay protection on, only fresh, signed envelopes pass")
    void signingAndReplay() {
        io.liminal.ltp.core.security.EnvelopeSigner signer = io.liminal.ltp.core.security.EnvelopeSigner.hmacSha256("s3cret");
        handler.onEvent = (session, event) -> session.reply(Envelope.builder("event")
                .payload(new EventPayload("ok", event.data()).toJson()).build());
        start(b -> b.security(io.liminal.ltp.server.MessageSecurity.builder()
                .signatures(clientId -> "c".equals(clientId) ? "s3cret" : null)
                .replayProtection(io.liminal.ltp.core.security.ReplayGuard.builder().clock(clock).build())
                .build()));
        Peer peer = transport.connect();
        JsonObject ack = handshake(peer, init("c"));
        assertThat(ack.getAsJsonArray("server_capabilities").toString()).contains("sig-hmac-sha256");
        io.liminal.ltp.core.codec.LtpCodec codec = io.liminal.ltp.core.codec.LtpCodec.standard();
        Envelope unsigned = Envelope.builder("event").threadId(ack.get("thread_id").getAsString())
                .sessionId(ack.get("session_id").getAsString()).timestamp(clock.millis() / 1000)
                .nonce("c-" + clock.millis() + "-00112233445566778899aabbccddeeff")
                .payload(new EventPayload("e", new JsonPrimitive(1)).toJson()).build();
        peer.sendText(codec.encode(unsigned));
        assertThat(errorCode(peer.poll())).isEqualTo("MISSING_SIGNATURE");
        Envelope signed = signer.signed(unsigned);
        peer.sendText(codec.encode(signed));
        Envelope reply = (Envelope) codec.decode(peer.poll());
        signer.verify(reply);
        peer.sendText(codec.encode(signed));
        assertThat(errorCode(peer.poll())).isEqualTo("INVALID_NONCE");
        assertThat(handler.events).containsExactly("1");
        assertThat(peer.isClosed()).isFalse();
    }

    private String metrics() {
        return transport.http("GET", "/metrics", null).body();
    }

    /** Records handler calls. */
    static final class RecordingHandler implements LtpHandler {
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final List<String> principals = Collections.synchronizedList(new ArrayList<>());
        final List<String> mdcThreadIds = Collections.synchronizedList(new ArrayList<>());
        java.util.function.BiConsumer<SessionContext, EventPayload> onEvent = (s, e) -> { };

        @Override
        public void onSessionOpened(SessionContext session) {
            calls.add("opened " + session.threadId());
            if (session.principal() != null) {
                principals.add(session.principal());
            }
        }

        @Override
        public void onStateUpdate(SessionContext session, StateUpdatePayload update) {
            calls.add("state_update " + update.kind() + " " + session.meta().contextTag().orElse("-"));
            mdcThreadIds.add(MDC.get("ltp.thread_id"));
        }

        @Override
        public void onEvent(SessionContext session, EventPayload event) {
            calls.add("event " + event.eventType());
            events.add(event.data().toString());
            onEvent.accept(session, event);
        }

        @Override
        public void onCustomMessage(SessionContext session, Envelope message) {
            calls.add("custom " + message.type());
        }

        @Override
        public void onSessionClosed(SessionContext session, int code, String reason) {
            calls.add("closed " + code);
        }
    }

    /** An executor that runs tasks only when told to. */
    static final class ManualExecutor implements Executor {
        private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public synchronized void execute(Runnable task) {
            tasks.add(task);
        }

        void runAll() {
            while (true) {
                Runnable task;
                synchronized (this) {
                    task = tasks.poll();
                }
                if (task == null) {
                    return;
                }
                task.run();
            }
        }
    }

    /** A store that says it blocks, to exercise the off-lane path. */
    static class BlockingStore extends ForwardingStore {
        BlockingStore(ThreadStore delegate) {
            super(delegate);
        }

        @Override
        public boolean isBlocking() {
            return true;
        }
    }
}
