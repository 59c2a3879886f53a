package io.liminal.ltp.client;

import static io.liminal.ltp.client.ScriptedServer.ack;
import static io.liminal.ltp.client.ScriptedServer.error;
import static io.liminal.ltp.client.ScriptedServer.pong;
import static io.liminal.ltp.client.ScriptedServer.reject;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.client.ScriptedServer.Peer;
import io.liminal.ltp.core.message.Meta;
import io.liminal.ltp.core.session.ClientSessionMachine.FailureReason;
import io.liminal.ltp.core.session.ClientSessionMachine.State;
import io.liminal.ltp.testing.FakeClock;
import io.liminal.ltp.testing.FakeScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client against a scripted server over real sockets; every timer runs on virtual time. */
@Timeout(60)
class ClientScriptedTest {
    private final ScriptedServer server = new ScriptedServer();
    private final FakeClock clock = new FakeClock();
    private final FakeScheduler scheduler = new FakeScheduler(clock);
    private final RecordingListener listener = new RecordingListener();
    private final InMemoryThreadIdStore store = new InMemoryThreadIdStore();
    private LtpClient client;

    private LtpClient client(Consumer<LtpClient.Builder> configure) {
        LtpClient.Builder builder = LtpClient.builder(server.uri())
                .clientId("client-1")
                .scheduler(scheduler)
                .clock(clock)
                .threadIdStore(store)
                .listener(listener);
        configure.accept(builder);
        client = builder.build();
        return client;
    }

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.close();
        }
        server.close();
    }

    /** Connects and acks; returns the server side of the connection. */
    private Peer connectAndAck(String threadId, String sessionId, long heartbeatMs) {
        server.acceptUpgrade();
        CompletableFuture<Void> connected = client.connect();
        Peer peer = server.awaitPeer();
        peer.nextJson();
        peer.send(ack(threadId, sessionId, false, heartbeatMs));
        connected.join();
        listener.await("connected");
        return peer;
    }

    @Test
    @DisplayName("LTP-TR-001 / LTP-HS-001 / LTP-HS-013: offers ltp.v0.3, opens with handshake_init, persists the acked ids")
    void initAndPersist() {
        client(b -> b.deviceFingerprint("java-test").authToken("secret-token").header("Authorization", "Bearer abc"));
        server.acceptUpgrade();
        CompletableFuture<Void> connected = client.connect();
        RecordedRequest upgrade = server.takeRequest();
        assertThat(upgrade.getHeaders().get("Sec-WebSocket-Protocol")).isEqualTo("ltp.v0.3");
        assertThat(upgrade.getHeaders().get("Authorization")).isEqualTo("Bearer abc");
        Peer peer = server.awaitPeer();
        JsonObject init = peer.nextJson();
        assertThat(init.get("type").getAsString()).isEqualTo("handshake_init");
        assertThat(init.get("ltp_version").getAsString()).isEqualTo("0.3");
        assertThat(init.get("client_id").getAsString()).isEqualTo("client-1");
        assertThat(init.get("device_fingerprint").getAsString()).isEqualTo("java-test");
        assertThat(init.getAsJsonObject("metadata").get("auth_token").getAsString()).isEqualTo("secret-token");
        peer.send(ack("t1", "s1", false, 15_000));
        connected.join();
        assertThat(listener.await("connected")).isEqualTo("connected t1 s1 resumed=false");
        assertThat(store.load("client-1")).contains(new StoredSession("t1", "s1"));
        assertThat(client.state()).isEqualTo(State.CONNECTED);
        assertThat(client.threadId()).isEqualTo("t1");
    }

    @Test
    @DisplayName("LTP-HS-002 / LTP-HS-014: a stored thread is resumed; a reject clears it and init follows on the same connection")
    void resumeThenRejectThenInit() {
        store.save("client-1", new StoredSession("t-old", "s-old"));
        client(b -> { });
        server.acceptUpgrade();
        CompletableFuture<Void> connected = client.connect();
        Peer peer = server.awaitPeer();
        JsonObject resume = peer.nextJson();
        assertThat(resume.get("type").getAsString()).isEqualTo("handshake_resume");
        assertThat(resume.get("thread_id").getAsString()).isEqualTo("t-old");
        assertThat(resume.get("client_id").getAsString()).isEqualTo("client-1");
        peer.send(reject(true));
        assertThat(peer.nextJson().get("type").getAsString()).isEqualTo("handshake_init");
        peer.send(ack("t-new", "s-new", false, 15_000));
        connected.join();
        assertThat(store.load("client-1")).contains(new StoredSession("t-new", "s-new"));
        assertThat(server.requestCount()).isEqualTo(1);
    }

    @Test
    @DisplayName("A-9: a reject with suggest_new:false is a permanent failure; connect() fails with it")
    void rejectWithoutSuggestNew() {
        store.save("client-1", new StoredSession("t-old", null));
        client(b -> { });
        server.acceptUpgrade();
        CompletableFuture<Void> connected = client.connect();
        Peer peer = server.awaitPeer();
        peer.nextJson();
        peer.send(reject(false));
        assertThatThrownBy(connected::join).hasCauseInstanceOf(LtpClientException.PermanentFailureException.class);
        assertThat(listener.await("failed")).isEqualTo("failed RESUME_REJECTED");
        assertThat(peer.awaitClose()).isEqualTo(1000);
        assertThat(store.load("client-1")).isEmpty();
    }

    @Test
    @DisplayName("§3.7: INVALID_CLIENT_ID before the ack is permanent: no reconnect")
    void invalidClientIdIsPermanent() {
        client(b -> { });
        server.acceptUpgrade();
        CompletableFuture<Void> connected = client.connect();
        Peer peer = server.awaitPeer();
        peer.nextJson();
        peer.send(error("INVALID_CLIENT_ID"));
        assertThatThrownBy(connected::join).cause().isInstanceOfSatisfying(
                LtpClientException.PermanentFailureException.class,
                e -> assertThat(e.failure().error().code()).isEqualTo("INVALID_CLIENT_ID"));
        scheduler.advance(Duration.ofMinutes(5));
        assertThat(server.requestCount()).isEqualTo(1);
    }

    @Test
    @DisplayName("LTP-HB-001: pings at the negotiated interval, the first one interval after the ack; a shorter local interval wins")
    void pingCadence() {
        client(b -> b.heartbeatInterval(Duration.ofSeconds(20)));
        Peer peer = connectAndAck("t1", "s1", 5_000);
        scheduler.advance(Duration.ofMillis(4_999));
        assertThat(peer.poll(Duration.ofMillis(200))).isNull();
        scheduler.advance(Duration.ofMillis(1));
        JsonObject ping = peer.nextJson();
        assertThat(ping.get("type").getAsString()).isEqualTo("ping");
        assertThat(ping.get("thread_id").getAsString()).isEqualTo("t1");
        assertThat(ping.get("session_id").getAsString()).isEqualTo("s1");
        assertThat(ping.get("timestamp").getAsLong()).isEqualTo(clock.millis() / 1000);
        assertThat(ping.get("nonce").getAsString()).matches("client-1-\\d+-[0-9a-f]{16}");
        peer.send(pong(ping));
        scheduler.advance(Duration.ofMillis(5_000));
        assertThat(peer.nextJson().get("type").getAsString()).isEqualTo("ping");
        client.close();

        RecordingListener other = new RecordingListener();
        LtpClient shorter = LtpClient.builder(server.uri()).clientId("c2").scheduler(scheduler).clock(clock)
                .heartbeatInterval(Duration.ofSeconds(2)).listener(other).build();
        server.acceptUpgrade();
        CompletableFuture<Void> connected = shorter.connect();
        Peer second = server.awaitPeer();
        second.nextJson();
        second.send(ack("t2", "s2", false, 15_000));
        connected.join();
        other.await("connected");
        scheduler.advance(Duration.ofSeconds(2));
        assertThat(second.nextJson().get("type").getAsString()).isEqualTo("ping");
        shorter.close();
    }

    @Test
    @DisplayName("LTP-HB-002: without pongs for 3x the interval the client closes 1000 heartbeat_timeout and resumes")
    void missingPongReconnects() {
        client(b -> b.noCircuitBreaker());
        Peer peer = connectAndAck("t1", "s1", 1_000);
        scheduler.advance(Duration.ofMillis(2_999));
        assertThat(client.state()).isEqualTo(State.CONNECTED);
        server.acceptUpgrade();
        scheduler.advance(Duration.ofMillis(1));
        assertThat(peer.awaitClose()).isEqualTo(1000);
        assertThat(listener.await("disconnected")).isEqualTo("disconnected 1000");
        listener.await("state BACKOFF");
        scheduler.awaitPending(1, ScriptedServer.WAIT);
        scheduler.advance(Duration.ofMillis(1_100));
        Peer again = server.awaitPeer();
        JsonObject resume = again.nextJson();
        assertThat(resume.get("type").getAsString()).isEqualTo("handshake_resume");
        assertThat(resume.get("thread_id").getAsString()).isEqualTo("t1");
        assertThat(resume.get("resume_reason").getAsString()).isEqualTo("automatic_reconnect");
    }

    @Test
    @DisplayName("a handshake the server never answers counts as a failed attempt after the handshake timeout")
    void handshakeNeverAnswered() {
        client(b -> b.handshakeTimeout(Duration.ofSeconds(30)).noCircuitBreaker());
        server.acceptUpgrade();
        client.connect();
        Peer peer = server.awaitPeer();
        peer.nextJson();
        listener.await("state HANDSHAKING_INIT");
        scheduler.advance(Duration.ofSeconds(30));
        assertThat(peer.awaitClose()).isEqualTo(1000);
        listener.await("state BACKOFF");
        assertThat(scheduler.awaitPending(1, ScriptedServer.WAIT)).singleElement()
                .satisfies(delay -> assertThat(delay.toMillis()).isBetween(1_000L, 1_100L));
    }

    @Test
    @DisplayName("LTP-ENV-009 / LTP-ERR-002: garbage, unknown types and both error forms never disconnect")
    void garbageFrames() {
        client(b -> { });
        Peer peer = connectAndAck("t1", "s1", 15_000);
        peer.send("not json at all");
        peer.send("[1,2,3]");
        peer.send("{\"type\":\"vendor:thing\",\"thread_id\":\"t1\",\"session_id\":\"s1\",\"timestamp\":1,\"payload\":{}}");
        peer.send("{\"type\":\"error\",\"error_code\":\"RATE_LIMIT_EXCEEDED\",\"error_message\":\"slow down\",\"timestamp\":1}");
        peer.send(error("SOMETHING_NEW"));
        peer.send("{\"type\":\"event\",\"thread_id\":\"t1\",\"session_id\":\"s1\",\"timestamp\":1,"
                + "\"payload\":{\"event_type\":\"server_note\",\"data\":{}}}");
        assertThat(listener.await("message vendor:thing")).isNotNull();
        assertThat(listener.await("error")).isEqualTo("error RATE_LIMIT_EXCEEDED");
        assertThat(listener.await("error")).isEqualTo("error SOMETHING_NEW");
        assertThat(listener.await("event")).isEqualTo("event server_note");
        assertThat(client.state()).isEqualTo(State.CONNECTED);
    }

    @Test
    @DisplayName("§6: after 1001 going away the client reconnects at once, without backoff")
    void goingAwayReconnectsAtOnce() {
        client(b -> { });
        Peer peer = connectAndAck("t1", "s1", 15_000);
        server.acceptUpgrade();
        peer.close(1001, "going away");
        Peer again = server.awaitPeer();
        assertThat(again.nextJson().get("type").getAsString()).isEqualTo("handshake_resume");
    }

    @Test
    @DisplayName("A-8: after 1000 session_superseded the client reports it and never fights for the thread")
    void supersededDoesNotReconnect() {
        client(b -> { });
        Peer peer = connectAndAck("t1", "s1", 15_000);
        peer.close(1000, "session_superseded");
        assertThat(listener.await("failed")).isEqualTo("failed " + FailureReason.SESSION_SUPERSEDED);
        scheduler.advance(Duration.ofMinutes(10));
        assertThat(server.requestCount()).isEqualTo(1);
    }

    @Test
    @DisplayName("LTP-HS-015: nothing is sent before the ack; messages sent meanwhile follow it in order")
    void noEnvelopeBeforeAck() {
        client(b -> { });
        server.acceptUpgrade();
        client.connect();
        Peer peer = server.awaitPeer();
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sends.add(client.sendEvent("early", new JsonPrimitive(i)));
        }
        assertThat(peer.nextJson().get("type").getAsString()).isEqualTo("handshake_init");
        assertThat(peer.poll(Duration.ofMillis(300))).isNull();
        assertThat(sends).noneMatch(CompletableFuture::isDone);
        peer.send(ack("t1", "s1", false, 15_000));
        for (int i = 0; i < 3; i++) {
            JsonObject event = peer.nextNonPing();
            assertThat(event.getAsJsonObject("payload").get("data").getAsInt()).isEqualTo(i);
            assertThat(event.get("session_id").getAsString()).isEqualTo("s1");
        }
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
    }

    @Test
    @DisplayName("delivery-v1: server messages are acknowledged cumulatively, at once every 32, else 50 ms after processing, and before a close")
    void deliveryAcksAreCumulativeAndDelayed() {
        client(b -> { });
        server.acceptUpgrade();
        CompletableFuture<Void> connected = client.connect();
        Peer peer = server.awaitPeer();
        assertThat(peer.nextJson().getAsJsonObject("delivery").get("last_received").getAsLong()).isZero();
        peer.send(ack("t1", "s1", false, 15_000).replaceFirst("}$",
                ",\"delivery\":{\"version\":1,\"last_processed\":0,\"first_available\":1,\"last_seq\":0}}"));
        connected.join();
        int timers = scheduler.awaitPending(2, ScriptedServer.WAIT).size(); // heartbeat and pong
        for (long seq = 1; seq <= 3; seq++) {
            peer.send(numberedEvent(seq));
        }
        for (int i = 0; i < 3; i++) {
            listener.await("event tick");
        }
        // Processing scheduled the ack (and the cursor's save); nothing was acknowledged yet: a send written now
        // reaches the server before any ack.
        assertThat(scheduler.awaitPending(timers + 2, ScriptedServer.WAIT)).contains(Duration.ofMillis(50));
        client.sendEvent("probe", new JsonPrimitive(1));
        assertThat(peer.nextNonPing().get("type").getAsString()).isEqualTo("event");
        scheduler.advance(Duration.ofMillis(50));
        JsonObject delayed = peer.nextNonPing();
        assertThat(delayed.get("type").getAsString()).isEqualTo("delivery:ack");
        assertThat(delayed.getAsJsonObject("payload").get("through").getAsLong()).isEqualTo(3);

        // 32 more: the 32nd since the last ack is acknowledged at once, with all before it, on virtual time that
        // stands still.
        for (long seq = 4; seq <= 35; seq++) {
            peer.send(numberedEvent(seq));
        }
        JsonObject window = peer.nextNonPing();
        assertThat(window.get("type").getAsString()).isEqualTo("delivery:ack");
        assertThat(window.getAsJsonObject("payload").get("through").getAsLong()).isEqualTo(35);
        scheduler.advance(Duration.ofMillis(50)); // the delay the 4th started: nothing new to acknowledge
        client.sendEvent("probe", new JsonPrimitive(2));
        assertThat(peer.nextNonPing().get("type").getAsString()).isEqualTo("event");

        // One more, processed, then the client closes before its delay ends: the ack goes out first.
        int before = scheduler.pendingDelays().size();
        peer.send(numberedEvent(36));
        scheduler.awaitPending(before + 1, ScriptedServer.WAIT);
        client.close();
        JsonObject last = peer.nextNonPing();
        assertThat(last.get("type").getAsString()).isEqualTo("delivery:ack");
        assertThat(last.getAsJsonObject("payload").get("through").getAsLong()).isEqualTo(36);
    }

    private static String numberedEvent(long seq) {
        return "{\"type\":\"event\",\"thread_id\":\"t1\",\"session_id\":\"s1\",\"timestamp\":1,\"seq\":" + seq
                + ",\"payload\":{\"event_type\":\"tick\",\"data\":{}}}";
    }

    @Test
    @DisplayName("messages sent while disconnected are flushed in order after the next ack, stamped with the new session")
    void offlineMessagesFlushWithNewSession() {
        client(b -> b.noCircuitBreaker());
        Peer first = connectAndAck("t1", "s1", 15_000);
        server.cutAll();
        listener.await("state BACKOFF");
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            sends.add(client.sendStateUpdate("delta", new JsonPrimitive(i),
                    Meta.builder().contextTag("offline").build()));
        }
        assertThat(client.bufferedMessages()).isEqualTo(5);
        server.acceptUpgrade();
        scheduler.advance(Duration.ofMillis(1_100));
        Peer second = server.awaitPeer();
        assertThat(second.nextJson().get("type").getAsString()).isEqualTo("handshake_resume");
        second.send(ack("t1", "s2", true, 15_000));
        for (int i = 0; i < 5; i++) {
            JsonObject update = second.nextNonPing();
            assertThat(update.get("session_id").getAsString()).isEqualTo("s2");
            assertThat(update.getAsJsonObject("payload").get("data").getAsInt()).isEqualTo(i);
            assertThat(update.getAsJsonObject("meta").get("context_tag").getAsString()).isEqualTo("offline");
            assertThat(update.getAsJsonObject("meta").get("client_id").getAsString()).isEqualTo("client-1");
        }
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
        assertThat(client.bufferedMessages()).isZero();
    }

    @Test
    @DisplayName("a connection cut mid-burst: every send completes; what was sent after the client noticed arrives in order on the new session, nothing twice")
    void burstAcrossDisconnect() {
        client(b -> b.noCircuitBreaker());
        Peer first = connectAndAck("t1", "s1", 15_000);
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            sends.add(client.sendEvent("n", new JsonPrimitive(i)));
            if (i == 50) {
                server.cutAll();
            }
        }
        listener.await("state BACKOFF");
        for (int i = 100; i < 200; i++) {
            sends.add(client.sendEvent("n", new JsonPrimitive(i)));
        }
        scheduler.awaitPending(1, ScriptedServer.WAIT);
        server.acceptUpgrade();
        scheduler.advance(Duration.ofMillis(1_100));
        Peer second = server.awaitPeer();
        second.nextJson();
        second.send(ack("t1", "s2", true, 15_000));
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
        List<Integer> beforeCut = new ArrayList<>();
        String text;
        while ((text = first.poll(Duration.ofMillis(100))) != null) {
            beforeCut.add(com.google.gson.JsonParser.parseString(text).getAsJsonObject().getAsJsonObject("payload")
                    .get("data").getAsInt());
        }
        List<Integer> afterCut = new ArrayList<>();
        while (afterCut.isEmpty() || afterCut.get(afterCut.size() - 1) < 199) {
            JsonObject message = second.nextNonPing();
            afterCut.add(message.getAsJsonObject("payload").get("data").getAsInt());
        }
        // Plain v0.3: sends handed to the dying connection may be lost (delivery-v1 resends them), but the client
        // itself never reorders or duplicates, and everything sent after it noticed follows on the new session.
        assertThat(beforeCut).doesNotHaveDuplicates().isSorted().allMatch(n -> n < 100);
        assertThat(afterCut).doesNotHaveDuplicates().isSorted().containsSequence(
                java.util.stream.IntStream.range(100, 200).boxed().toList());
        assertThat(afterCut).noneMatch(beforeCut::contains);
    }

    @Test
    @DisplayName("offline buffer: FAIL refuses the newest, DROP_OLDEST drops the oldest, DROP_NEWEST refuses the newest")
    void overflowPolicies() {
        client(b -> b.offlineBuffer(3, 1_000_000, OverflowPolicy.FAIL));
        List<CompletableFuture<Void>> fail = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            fail.add(client.sendEvent("e", new JsonPrimitive(i)));
        }
        assertThatThrownBy(fail.get(3)::join).hasCauseInstanceOf(LtpClientException.OfflineBufferFullException.class)
                .hasMessageContaining("at most 3 messages");
        client.close();

        client(b -> b.clientId("c-drop-oldest").offlineBuffer(3, 1_000_000, OverflowPolicy.DROP_OLDEST));
        List<CompletableFuture<Void>> oldest = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            oldest.add(client.sendEvent("e", new JsonPrimitive(i)));
        }
        assertThatThrownBy(oldest.get(0)::join).hasCauseInstanceOf(LtpClientException.MessageDroppedException.class);
        Peer peer = connectAndAck("t1", "s1", 15_000);
        for (int i = 1; i < 4; i++) {
            assertThat(peer.nextNonPing().getAsJsonObject("payload").get("data").getAsInt()).isEqualTo(i);
        }
        client.close();

        client(b -> b.clientId("c-drop-newest").offlineBuffer(10, 200, OverflowPolicy.DROP_NEWEST));
        CompletableFuture<Void> fits = client.sendEvent("e", new JsonPrimitive(1));
        CompletableFuture<Void> tooBig = client.sendEvent("e", new JsonPrimitive("x".repeat(300)));
        assertThatThrownBy(tooBig::join).hasCauseInstanceOf(LtpClientException.OfflineBufferFullException.class)
                .hasMessageContaining("200 bytes");
        assertThat(fits).isNotDone();
    }

    @Test
    @DisplayName("sends that break a limit fail at once with MESSAGE_TOO_LARGE, before being buffered")
    void tooLargeFailsFast() {
        client(b -> { });
        CompletableFuture<Void> huge = client.sendEvent("e", new JsonPrimitive("x".repeat(70_000)));
        assertThatThrownBy(huge::join).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(io.liminal.ltp.core.LtpProtocolException.class);
        assertThatThrownBy(() -> client.send("not-custom", new JsonObject())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("close() is idempotent, fails buffered sends with ClientClosedException and stops reconnecting")
    void closeIsFinal() {
        client(b -> { });
        Peer peer = connectAndAck("t1", "s1", 15_000);
        server.cutAll();
        listener.await("state BACKOFF");
        CompletableFuture<Void> pending = client.sendEvent("e", new JsonPrimitive(1));
        client.close();
        client.close();
        assertThatThrownBy(pending::join).hasCauseInstanceOf(LtpClientException.ClientClosedException.class);
        assertThatThrownBy(() -> client.connect().join()).hasCauseInstanceOf(LtpClientException.ClientClosedException.class);
        scheduler.advance(Duration.ofMinutes(5));
        assertThat(server.requestCount()).isEqualTo(1);
        assertThat(client.state()).isEqualTo(State.CLOSED);
    }

    @Test
    @DisplayName("listener calls are serialized and never made on a socket thread")
    void listenerThreads() {
        client(b -> { });
        Peer peer = connectAndAck("t1", "s1", 15_000);
        for (int i = 0; i < 50; i++) {
            peer.send("{\"type\":\"state_update\",\"thread_id\":\"t1\",\"session_id\":\"s1\",\"timestamp\":1,"
                    + "\"payload\":{\"kind\":\"k" + i + "\",\"data\":{}}}");
        }
        for (int i = 0; i < 50; i++) {
            assertThat(listener.await("state_update")).isEqualTo("state_update k" + i);
        }
        assertThat(listener.overlapped).isFalse();
        assertThat(listener.lastThreadName).startsWith("ltp-client-");
    }

    @Test
    @DisplayName("a client without a client id generates one, keeps it in the store, and reuses it after a restart")
    void generatedClientId() {
        LtpClient first = LtpClient.builder(server.uri()).threadIdStore(store).scheduler(scheduler).build();
        LtpClient second = LtpClient.builder(server.uri()).threadIdStore(store).scheduler(scheduler).build();
        assertThat(first.clientId()).startsWith("client-").isEqualTo(second.clientId());
        first.close();
        second.close();
    }
}
