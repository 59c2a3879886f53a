package io.liminal.ltp.server;

import static io.liminal.ltp.server.TestFrames.errorCode;
import static io.liminal.ltp.server.TestFrames.event;
import static io.liminal.ltp.server.TestFrames.init;
import static io.liminal.ltp.server.TestFrames.json;
import static io.liminal.ltp.server.TestFrames.ping;
import static io.liminal.ltp.server.TestFrames.resume;
import static io.liminal.ltp.server.TestFrames.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.testing.RawWebSocket;
import io.liminal.ltp.testing.WsTestClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The server over real sockets on 127.0.0.1 with the default Netty transport. */
@Timeout(60)
class LtpServerIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final List<String> handlerThreads = Collections.synchronizedList(new ArrayList<>());
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private LtpServer server;
    private URI uri;

    @BeforeEach
    void start() {
        server = LtpServer.builder()
                .host("127.0.0.1")
                .port(0)
                .heartbeatInterval(Duration.ofMillis(500))
                .handshakeTimeout(Duration.ofSeconds(2))
                .noRateLimit()
                .customTypes("lri:*")
                .handler(new LtpHandler() {
                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        handlerThreads.add(Thread.currentThread().getName());
                        events.add(session.threadId() + ":" + event.data());
                        session.reply(Envelope.builder("event")
                                .payload(new EventPayload("echo", event.data()).toJson()).build());
                    }
                })
                .build()
                .start();
        uri = URI.create("ws://127.0.0.1:" + server.port() + "/");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static JsonObject handshake(WsTestClient client, String frame) {
        return json(client.send(frame).next());
    }

    @Test
    @DisplayName("start() on a port that is taken throws UncheckedIOException, as docs/server.md says")
    void portTaken() {
        LtpServer.Builder second = LtpServer.builder().host("127.0.0.1").port(server.port()).handler(new LtpHandler() { });

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> second.build().start())
                .isInstanceOf(java.io.UncheckedIOException.class)
                .hasMessageContaining("Could not start the LTP server")
                .hasCauseInstanceOf(java.io.IOException.class);
    }

    @Test
    @DisplayName("LTP-HS-003 / LTP-HS-004 / LTP-MSG-001: init, ping/pong and resume over a real socket")
    void initPingResume() {
        JsonObject ack;
        try (WsTestClient client = WsTestClient.connect(uri)) {
            ack = handshake(client, init("socket-client"));
            assertThat(ack.get("type").getAsString()).isEqualTo("handshake_ack");
            JsonObject pong = json(client.send(ping(ack)).next());
            assertThat(pong.get("type").getAsString()).isEqualTo("pong");
            assertThat(pong.get("thread_id")).isEqualTo(ack.get("thread_id"));
            assertThat(pong.get("session_id")).isEqualTo(ack.get("session_id"));
        }
        try (WsTestClient again = WsTestClient.connect(uri)) {
            JsonObject resumed = handshake(again, resume("socket-client", ack.get("thread_id").getAsString()));
            assertThat(resumed.get("resumed").getAsBoolean()).isTrue();
            assertThat(resumed.get("thread_id")).isEqualTo(ack.get("thread_id"));
            assertThat(resumed.get("session_id")).isNotEqualTo(ack.get("session_id"));
        }
    }

    @Test
    @DisplayName("LTP-HS-005 / LTP-HS-006: a reject keeps the socket open for an init")
    void rejectThenInit() {
        try (WsTestClient client = WsTestClient.connect(uri)) {
            JsonObject reject = handshake(client, resume("c", "00000000-0000-4000-8000-000000000000"));
            assertThat(reject.get("type").getAsString()).isEqualTo("handshake_reject");
            assertThat(handshake(client, init("c")).get("type").getAsString()).isEqualTo("handshake_ack");
        }
    }

    @Test
    @DisplayName("LTP-HS-009: UNSUPPORTED_VERSION with supported_versions, then close 1002")
    void unsupportedVersion() {
        try (WsTestClient client = WsTestClient.connect(uri)) {
            JsonObject error = json(client.send(init("c", "0.1")).next());
            assertThat(error.getAsJsonObject("payload").get("error_code").getAsString()).isEqualTo("UNSUPPORTED_VERSION");
            assertThat(error.get("supported_versions").toString()).isEqualTo("[\"0.3\",\"0.2\"]");
            assertThat(client.awaitClose(WAIT).code()).isEqualTo(1002);
        }
    }

    @Test
    @DisplayName("LTP-TR-002 / A-1: ltp.v0.3 whatever the order, ltp.v0.2 as fallback, no header when neither is offered")
    void subprotocols() {
        try (WsTestClient client = WsTestClient.connect(uri, List.of("ltp.v0.2", "ltp.v0.3"), Map.of(), null)) {
            assertThat(client.subprotocol()).isEqualTo("ltp.v0.3");
        }
        try (WsTestClient client = WsTestClient.connect(uri, List.of("chat", "ltp.v0.2"), Map.of(), null)) {
            assertThat(client.subprotocol()).isEqualTo("ltp.v0.2");
        }
        try (RawWebSocket raw = RawWebSocket.connect(server.port(), "/", List.of("chat"), Map.of())) {
            assertThat(raw.status()).isEqualTo(101);
            assertThat(raw.responseHeader("Sec-WebSocket-Protocol")).isNull();
        }
        try (WsTestClient none = WsTestClient.connect(uri, List.of(), Map.of(), null)) {
            assertThat(none.subprotocol()).isEmpty();
            assertThat(handshake(none, init("c")).get("type").getAsString()).isEqualTo("handshake_ack");
        }
    }

    @Test
    @DisplayName("LTP-ENV-006 / LTP-ENV-007: envelopes before a handshake, with a wrong session or for another thread")
    void envelopeRules() {
        try (WsTestClient client = WsTestClient.connect(uri)) {
            client.send(TestFrames.envelope("ping", "t", "s", "{}"));
            assertThat(errorCode(client.next())).isEqualTo("SESSION_EXPIRED");
            JsonObject ack = handshake(client, init("c"));
            client.send(TestFrames.envelope("ping", ack.get("thread_id").getAsString(), "stale", "{}"));
            assertThat(errorCode(client.next())).isEqualTo("SESSION_EXPIRED");
            client.send(TestFrames.envelope("ping", "another-thread", ack.get("session_id").getAsString(), "{}"));
            assertThat(errorCode(client.next())).isEqualTo("UNKNOWN_THREAD");
        }
    }

    @Test
    @DisplayName("LTP-ERR-005: malformed frames are answered and the same connection keeps working")
    void malformedFramesKeepConnection() {
        try (WsTestClient client = WsTestClient.connect(uri)) {
            JsonObject ack = handshake(client, init("c"));
            for (String bad : new String[] {"not json", "[1]", "{\"type\":\"ping\"", "{\"type\":\"vendor:x\"}", "{\"payload\":1}"}) {
                client.send(bad);
                assertThat(type(client.next())).isEqualTo("error");
            }
            assertThat(type(client.send(ping(ack)).next())).isEqualTo("pong");
        }
    }

    @Test
    @DisplayName("LTP-LIM-001 / LTP-LIM-002: fragmented 1 MiB messages pass; bigger ones get MESSAGE_TOO_LARGE and the socket stays open")
    void sizeLimits() {
        try (WsTestClient client = WsTestClient.connect(uri)) {
            JsonObject ack = handshake(client, init("c"));
            StringBuilder data = new StringBuilder("[");
            for (int i = 0; i < 15; i++) {
                data.append(i == 0 ? "" : ",").append('"').append("x".repeat(65_000)).append('"');
            }
            String withinLimit = event(ack, "bulk", data.append(']').toString());
            assertThat(withinLimit.length()).isLessThan(1_048_576);
            client.sendFragmented(withinLimit, 100_000);
            assertThat(type(client.next())).isEqualTo("event");

            String tooBig = event(ack, "bulk", "\"" + "y".repeat(1_100_000) + "\"");
            client.sendFragmented(tooBig, 200_000);
            JsonObject error = json(client.next());
            assertThat(error.getAsJsonObject("payload").get("error_code").getAsString()).isEqualTo("MESSAGE_TOO_LARGE");
            assertThat(error.getAsJsonObject("payload").getAsJsonObject("details").get("size_bytes").getAsLong())
                    .isEqualTo(tooBig.length());
            client.send(tooBig);
            assertThat(errorCode(client.next())).isEqualTo("MESSAGE_TOO_LARGE");
            assertThat(type(client.send(ping(ack)).next())).isEqualTo("pong");
        }
    }

    @Test
    @DisplayName("a frame beyond the hard limit closes 1009; invalid UTF-8 in a text frame closes 1007 (§1)")
    void transportViolations() {
        LtpServer small = LtpServer.builder().host("127.0.0.1").port(0).hardFrameLimitBytes(2_000_000).build().start();
        try (RawWebSocket raw = RawWebSocket.connect(small.port(), "/", List.of("ltp.v0.3"), Map.of())) {
            raw.sendFrameHeader(RawWebSocket.TEXT, 2_100_000);
            assertThat(raw.readCloseCode(WAIT)).isEqualTo(1009);
        } finally {
            small.close();
        }
        try (RawWebSocket raw = RawWebSocket.connect(server.port(), "/", List.of("ltp.v0.3"), Map.of())) {
            raw.sendFrame(RawWebSocket.TEXT, new byte[] {'{', (byte) 0xC3, '}'}, true);
            assertThat(raw.readCloseCode(WAIT)).isEqualTo(1007);
        }
        try (RawWebSocket raw = RawWebSocket.connect(server.port(), "/", List.of("ltp.v0.3"), Map.of())) {
            // An encoded lone surrogate split over two fragments.
            raw.sendFrame(RawWebSocket.TEXT, new byte[] {'"', (byte) 0xED}, false);
            raw.sendFrame(RawWebSocket.CONTINUATION, new byte[] {(byte) 0xA0, (byte) 0x80, '"'}, true);
            assertThat(raw.readCloseCode(WAIT)).isEqualTo(1007);
        }
    }

    @Test
    @DisplayName("a text message fragmented inside a multi-byte character is reassembled and read")
    void fragmentedInsideACharacter() {
        try (RawWebSocket raw = RawWebSocket.connect(server.port(), "/", List.of("ltp.v0.3"), Map.of())) {
            byte[] bytes = init("clïent-😀").getBytes(StandardCharsets.UTF_8);
            int split = init("cl").length() - 1; // between the two bytes of ï
            raw.sendFrame(RawWebSocket.TEXT, Arrays.copyOfRange(bytes, 0, split), false);
            raw.sendFrame(RawWebSocket.CONTINUATION, Arrays.copyOfRange(bytes, split, bytes.length), true);
            RawWebSocket.Frame ack = raw.readFrame(WAIT);
            assertThat(type(ack.text())).isEqualTo("handshake_ack");
        }
    }

    @Test
    @DisplayName("pings read from their ASCII bytes, whole or fragmented, and pings with other text are all answered; a broken one gets an error and the next is answered")
    void pingsFromBytesAndFromText() {
        try (RawWebSocket raw = RawWebSocket.connect(server.port(), "/", List.of("ltp.v0.3"), Map.of())) {
            raw.sendText(init("bytes-client"));
            JsonObject ack = json(raw.readFrame(WAIT).text());
            String ping = "{\"type\":\"ping\",\"thread_id\":\"" + ack.get("thread_id").getAsString()
                    + "\",\"session_id\":\"" + ack.get("session_id").getAsString() + "\",\"timestamp\":1731600000,"
                    + "\"payload\":{\"pad\":\"PAD\"}}";
            raw.sendText(ping.replace("PAD", "plain"));
            assertThat(type(raw.readFrame(WAIT).text())).isEqualTo("pong");

            byte[] bytes = ping.replace("PAD", "fragmented").getBytes(StandardCharsets.US_ASCII);
            raw.sendFrame(RawWebSocket.TEXT, Arrays.copyOfRange(bytes, 0, 20), false);
            raw.sendFrame(RawWebSocket.CONTINUATION, Arrays.copyOfRange(bytes, 20, 90), false);
            raw.sendFrame(RawWebSocket.CONTINUATION, Arrays.copyOfRange(bytes, 90, bytes.length), true);
            assertThat(type(raw.readFrame(WAIT).text())).isEqualTo("pong");

            raw.sendText(ping.replace("PAD", "héllo 😀"));
            assertThat(type(raw.readFrame(WAIT).text())).isEqualTo("pong");

            raw.sendText(ping.replace("\"PAD\"", "\"unterminated"));
            assertThat(errorCode(raw.readFrame(WAIT).text())).isEqualTo("MALFORMED_MESSAGE");
            raw.sendText(ping.replace("PAD", "after the error"));
            assertThat(type(raw.readFrame(WAIT).text())).isEqualTo("pong");
        }
    }

    @Test
    @DisplayName("A-2: a binary frame with UTF-8 JSON is read like text; WebSocket pings get WebSocket pongs")
    void binaryAndControlFrames() {
        try (RawWebSocket raw = RawWebSocket.connect(server.port(), "/", List.of("ltp.v0.3"), Map.of())) {
            raw.sendFrame(RawWebSocket.BINARY, init("binary-client").getBytes(StandardCharsets.UTF_8), true);
            RawWebSocket.Frame ack = raw.readFrame(WAIT);
            assertThat(ack.opcode()).isEqualTo(RawWebSocket.TEXT);
            assertThat(type(ack.text())).isEqualTo("handshake_ack");
            raw.sendFrame(RawWebSocket.PING, "hi".getBytes(StandardCharsets.UTF_8), true);
            RawWebSocket.Frame pong = raw.readFrame(WAIT);
            assertThat(pong.opcode()).isEqualTo(RawWebSocket.PONG);
            assertThat(pong.text()).isEqualTo("hi");
        }
    }

    @Test
    @DisplayName("idle connections close 1000 heartbeat_timeout after 2x the interval; pinging ones stay")
    void idleTimeout() {
        try (WsTestClient idle = WsTestClient.connect(uri); WsTestClient busy = WsTestClient.connect(uri)) {
            handshake(idle, init("idle"));
            JsonObject ack = handshake(busy, init("busy"));
            WsTestClient.Close close = null;
            // The busy client pings every 200 ms (under 2 x 500 ms) while the idle one times out.
            for (int round = 0; round < 50 && close == null; round++) {
                close = idle.pollClose(Duration.ofMillis(200));
                assertThat(type(busy.send(ping(ack)).next())).isEqualTo("pong");
            }
            assertThat(close).isNotNull();
            assertThat(close.code()).isEqualTo(1000);
            assertThat(close.reason()).isEqualTo("heartbeat_timeout");
            assertThat(busy.isClosed()).isFalse();
        }
    }

    @Test
    @DisplayName("a connection that never handshakes is closed after the handshake timeout")
    void handshakeTimeout() {
        try (WsTestClient silent = WsTestClient.connect(uri)) {
            assertThat(silent.awaitClose(WAIT).reason()).isEqualTo("handshake_timeout");
        }
    }

    @Test
    @DisplayName("handlers run off the I/O threads; replies reach the right session; custom types route")
    void handlersOffIoThreads() {
        try (WsTestClient client = WsTestClient.connect(uri)) {
            JsonObject ack = handshake(client, init("c"));
            JsonObject reply = json(client.send(event(ack, "hello", "42")).next());
            assertThat(reply.getAsJsonObject("payload").get("data").getAsInt()).isEqualTo(42);
            assertThat(handlerThreads).allSatisfy(name -> assertThat(name).startsWith("ltp-app"));
        }
    }

    @Test
    @DisplayName("one abusive connection (garbage floods, huge frames) does not disturb a well-behaved one")
    void abuseIsolation() throws InterruptedException {
        try (WsTestClient good = WsTestClient.connect(uri);
             RawWebSocket abuser = RawWebSocket.connect(server.port(), "/", List.of("ltp.v0.3"), Map.of())) {
            JsonObject ack = handshake(good, init("good"));
            CountDownLatch abused = new CountDownLatch(1);
            Thread flood = new Thread(() -> {
                byte[] garbage = "{\"nope\":".repeat(1000).getBytes(StandardCharsets.UTF_8);
                try {
                    for (int i = 0; i < 2_000; i++) {
                        abuser.sendFrame(RawWebSocket.TEXT, garbage, true);
                    }
                } catch (RuntimeException expected) {
                    // the server may stop reading us; that is the point
                } finally {
                    abused.countDown();
                }
            });
            flood.start();
            // Within the ping allowance, as a heartbeat would; each answered while the flood runs or is cut off.
            for (int i = 0; i < 15 && abused.getCount() > 0; i++) {
                assertThat(type(good.send(ping(ack)).next())).isEqualTo("pong");
            }
            assertThat(abused.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(abuser.readCloseCode(WAIT)).as("cut off after its error allowance").isEqualTo(1008);
            assertThat(type(good.send(ping(ack)).next())).isEqualTo("pong");
        }
    }

    @Test
    @DisplayName("pushTo and broadcast reach live sessions over sockets")
    void pushAndBroadcast() {
        try (WsTestClient a = WsTestClient.connect(uri); WsTestClient b = WsTestClient.connect(uri)) {
            JsonObject ackA = handshake(a, init("a"));
            handshake(b, init("b"));
            Envelope note = Envelope.builder("event").payload(new EventPayload("note", new JsonPrimitive(7)).toJson()).build();
            assertThat(server.pushTo(ackA.get("thread_id").getAsString(), note).join()).isEqualTo(1);
            assertThat(json(a.next()).get("thread_id")).isEqualTo(ackA.get("thread_id"));
            assertThat(server.broadcast(note).join()).isEqualTo(2);
            assertThat(type(a.next())).isEqualTo("event");
            assertThat(type(b.next())).isEqualTo("event");
        }
    }
}
