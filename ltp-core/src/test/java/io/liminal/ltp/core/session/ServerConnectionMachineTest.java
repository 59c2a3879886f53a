package io.liminal.ltp.core.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liminal.ltp.core.CloseCodes;
import io.liminal.ltp.core.ErrorCode;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.HandshakeAck;
import io.liminal.ltp.core.message.HandshakeReject;
import io.liminal.ltp.core.message.Meta;
import io.liminal.ltp.core.security.EnvelopeSigner;
import io.liminal.ltp.core.security.EnvelopeVerifier;
import io.liminal.ltp.core.security.ReplayGuard;
import io.liminal.ltp.core.session.ServerConnectionMachine.State;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ServerConnectionMachineTest {
    static final String THREAD = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    static final String SESSION = "a8f5f167-d5a1-4c42-9e12-3d8f72e6b5c1";
    static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_731_600_000L), ZoneOffset.UTC);
    static final ServerSessionConfig CONFIG = ServerSessionConfig.builder().clock(CLOCK)
            .customTypeRoute(type -> type.startsWith("lri:")).build();

    private ServerConnectionMachine machine;
    private final RecordingServerActions out = new RecordingServerActions();

    static String init(String version) {
        return "{\"type\":\"handshake_init\",\"ltp_version\":\"" + version + "\",\"client_id\":\"c1\"}";
    }

    static String resume(String threadId) {
        return "{\"type\":\"handshake_resume\",\"ltp_version\":\"0.3\",\"client_id\":\"c1\",\"thread_id\":\"" + threadId + "\"}";
    }

    static String envelope(String type, String payload) {
        return envelope(type, THREAD, SESSION, payload);
    }

    static String envelope(String type, String thread, String session, String payload) {
        return "{\"type\":\"" + type + "\",\"thread_id\":\"" + thread + "\",\"session_id\":\"" + session
                + "\",\"timestamp\":1731600000,\"payload\":" + payload + "}";
    }

    @BeforeEach
    void setUp() {
        machine = new ServerConnectionMachine(CONFIG, ServerConnectionMachine.RateGate.UNLIMITED);
    }

    private void activate() {
        machine.onText(init("0.3"), -1, out);
        machine.onHandshakeResolved(HandshakeOutcome.Accepted.of(THREAD, SESSION, false), out);
        out.clear();
    }

    @Test
    @DisplayName("LTP-HS-003: a valid init is handed to the engine, then acked with its thread, session, capabilities, heartbeat, resumed:false")
    void initIsAcked() {
        machine.onText(init("0.3"), -1, out);
        assertThat(out.summary()).isEqualTo("openThread");
        assertThat(machine.handshakePending()).isTrue();
        assertThat(out.openRequest.clientId()).isEqualTo("c1");
        machine.onHandshakeResolved(HandshakeOutcome.Accepted.of(THREAD, SESSION, false), out);
        HandshakeAck ack = (HandshakeAck) out.sent.get(0);
        assertThat(ack.threadId()).isEqualTo(THREAD);
        assertThat(ack.sessionId()).isEqualTo(SESSION);
        assertThat(ack.resumed()).isFalse();
        assertThat(ack.heartbeatIntervalMs()).isEqualTo(15_000);
        assertThat(ack.serverCapabilities()).containsExactly("basic-state-update", "ping-pong", "events");
        assertThat(machine.state()).isEqualTo(State.ACTIVE);
        assertThat(machine.clientId()).isEqualTo("c1");
    }

    @Test
    @DisplayName("LTP-HS-004: a resume of a live thread is acked with the same thread and resumed:true")
    void resumeIsAcked() {
        machine.onText(resume(THREAD), -1, out);
        assertThat(out.resumeRequest.threadId()).isEqualTo(THREAD);
        machine.onHandshakeResolved(HandshakeOutcome.Accepted.of(THREAD, SESSION, true), out);
        HandshakeAck ack = (HandshakeAck) out.sent.get(0);
        assertThat(ack.resumed()).isTrue();
        assertThat(ack.threadId()).isEqualTo(THREAD);
    }

    @Test
    @DisplayName("LTP-HS-005 / LTP-HS-006: a rejected resume keeps the connection open and a following init is accepted")
    void rejectThenInit() {
        machine.onText(resume("unknown"), -1, out);
        machine.onHandshakeResolved(new HandshakeOutcome.Rejected(HandshakeReject.THREAD_NOT_FOUND, true), out);
        HandshakeReject reject = (HandshakeReject) out.sent.get(0);
        assertThat(reject.reason()).isEqualTo("thread_not_found");
        assertThat(reject.suggestNew()).isTrue();
        assertThat(machine.state()).isEqualTo(State.AWAITING_HANDSHAKE);
        assertThat(out.closeCode).isZero();
        out.clear();
        machine.onText(init("0.3"), -1, out);
        machine.onHandshakeResolved(HandshakeOutcome.Accepted.of(THREAD, SESSION, false), out);
        assertThat(out.summary()).isEqualTo("openThread; ack");
        assertThat(machine.state()).isEqualTo(State.ACTIVE);
    }

    @Test
    @DisplayName("LTP-HS-007: handshake_init is never answered with handshake_reject")
    void initIsNeverRejected() {
        machine.onText(init("0.3"), -1, out);
        assertThatThrownBy(() -> machine.onHandshakeResolved(
                new HandshakeOutcome.Rejected(HandshakeReject.FORBIDDEN, true), out))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("LTP-HS-007");
        assertThat(out.sent).isEmpty();
    }

    @Test
    @DisplayName("LTP-HS-008: 0.2 is accepted and echoed in the ack; a rejected resume carries the requested version")
    void versionEcho() {
        machine.onText(init("0.2"), -1, out);
        machine.onHandshakeResolved(HandshakeOutcome.Accepted.of(THREAD, SESSION, false), out);
        assertThat(((HandshakeAck) out.sent.get(0)).ltpVersion()).isEqualTo("0.2");
        assertThat(machine.ltpVersion()).isEqualTo("0.2");
    }

    @Test
    @DisplayName("LTP-HS-009: an unsupported version gets UNSUPPORTED_VERSION with both version lists, then close 1002")
    void unsupportedVersionCloses() {
        machine.onText(init("0.1"), -1, out);
        assertThat(out.summary()).isEqualTo("error UNSUPPORTED_VERSION; close 1002");
        Envelope error = out.lastSentEnvelope();
        assertThat(error.extraFields().get("supported_versions").toString()).isEqualTo("[\"0.3\",\"0.2\"]");
        assertThat(out.lastError().supportedVersions()).containsExactly("0.3", "0.2");
        assertThat(machine.state()).isEqualTo(State.CLOSING);
    }

    @Test
    @DisplayName("LTP-HS-010: a handshake missing ltp_version gets MALFORMED_HANDSHAKE, then close 1002")
    void malformedHandshakeCloses() {
        machine.onText("{\"type\":\"handshake_init\",\"client_id\":\"c\"}", -1, out);
        assertThat(out.summary()).isEqualTo("error MALFORMED_HANDSHAKE; close 1002");
        assertThat(out.lastError().details().get("missing_field").getAsString()).isEqualTo("ltp_version");
    }

    @Test
    @DisplayName("LTP-HS-011: an empty client_id or refused authentication gets INVALID_CLIENT_ID, then close 1008")
    void invalidClientIdCloses() {
        machine.onText("{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"\"}", -1, out);
        assertThat(out.summary()).isEqualTo("error INVALID_CLIENT_ID; close 1008");

        setUp();
        out.clear();
        machine.onText(init("0.3"), -1, out);
        machine.onHandshakeResolved(HandshakeOutcome.Refused.of(new LtpProtocolException(ErrorCode.INVALID_CLIENT_ID,
                "Authentication failed"), CloseCodes.REASON_UNAUTHORIZED), out);
        assertThat(out.summary()).isEqualTo("openThread; error INVALID_CLIENT_ID; close 1008");
        assertThat(out.closeReason).isEqualTo("Unauthorized");
    }

    @Test
    @DisplayName("a refusal may close with its own code (per-client limits), and an unavailable store closes 1011")
    void refusalCloseCodesAndUnavailable() {
        machine.onText(init("0.3"), -1, out);
        machine.onHandshakeResolved(new HandshakeOutcome.Refused(new LtpProtocolException(ErrorCode.RATE_LIMIT_EXCEEDED,
                "Too many connections"), CloseCodes.POLICY_VIOLATION, "Too many connections"), out);
        assertThat(out.summary()).isEqualTo("openThread; error RATE_LIMIT_EXCEEDED; close 1008");

        setUp();
        out.clear();
        machine.onText(resume(THREAD), -1, out);
        machine.onHandshakeResolved(new HandshakeOutcome.Unavailable("Internal error"), out);
        assertThat(out.summary()).isEqualTo("resumeThread; close 1011");
        assertThat(out.sent).isEmpty();
    }

    @Test
    @DisplayName("LTP-MSG-001: each ping gets exactly one pong with the connection's ids, the server's time, payload {} and meta {}")
    void pingPong() {
        activate();
        machine.onText(envelope("ping", "{}"), -1, out);
        machine.onText("{\"type\":\"ping\",\"thread_id\":\"" + THREAD + "\",\"session_id\":\"" + SESSION
                + "\",\"timestamp\":1}", -1, out);
        assertThat(out.summary()).isEqualTo("send pong; send pong");
        Envelope pong = out.lastSentEnvelope();
        assertThat(pong.threadId()).isEqualTo(THREAD);
        assertThat(pong.sessionId()).isEqualTo(SESSION);
        assertThat(pong.timestamp()).isEqualTo(1_731_600_000L);
        assertThat(pong.payload().size()).isZero();
        assertThat(pong.meta().isEmpty()).isTrue();
        assertThat(pong.nonce()).matches("server-1731600000000-[0-9a-f]{16}");
        assertThat(out.accepted).hasSize(2);
    }

    @Test
    @DisplayName("text handed over as ASCII bytes reads like the same text: pongs, errors, and frames held during a handshake")
    void asciiBytesReadLikeText() {
        machine.onAsciiText(ascii(init("0.3")), out);
        machine.onAsciiText(ascii(envelope("ping", "{\"held\":true}")), out);
        assertThat(out.summary()).isEqualTo("openThread");
        machine.onHandshakeResolved(HandshakeOutcome.Accepted.of(THREAD, SESSION, false), out);
        assertThat(out.summary()).isEqualTo("openThread; ack; send pong");
        out.clear();
        machine.onAsciiText(ascii(envelope("ping", "{\"pad\":\"xx\"}")), out);
        machine.onAsciiText(ascii(envelope("ping", "{\"pad\":\"x\\u0078\"}")), out); // escapes: read as text
        machine.onAsciiText(ascii(envelope("ping", "{\"pad\":")), out);
        machine.onAsciiText(ascii(envelope("event", "{\"event_type\":\"e\",\"data\":1}")), out);
        assertThat(out.summary()).isEqualTo("send pong; send pong; error MALFORMED_MESSAGE; deliver event");
        assertThat(out.accepted).hasSize(3);
    }

    /** The text's ASCII bytes from the middle of a larger buffer, as a transport hands them over. */
    private static ByteBuffer ascii(String text) {
        byte[] bytes = ("xx" + text + "yy").getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.wrap(bytes, 2, text.length());
    }

    @Test
    @DisplayName("a ping reads the clock once: its accepted time, the pong's timestamp and the nonce's time agree")
    void pingReadsTheClockOnce() {
        AtomicInteger reads = new AtomicInteger();
        long[] now = {1_731_600_000_999L};
        Clock counting = new Clock() {
            @Override
            public long millis() {
                reads.incrementAndGet();
                return now[0]++;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(millis());
            }

            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }
        };
        machine = new ServerConnectionMachine(ServerSessionConfig.builder().clock(counting).build(),
                ServerConnectionMachine.RateGate.UNLIMITED);
        activate();
        reads.set(0);
        machine.onText(envelope("ping", "{}"), -1, out);
        assertThat(reads).hasValue(1);
        long acceptedAt = out.acceptedAt.get(out.acceptedAt.size() - 1);
        Envelope pong = out.lastSentEnvelope();
        assertThat(pong.timestamp()).isEqualTo(acceptedAt / 1000);
        assertThat(pong.nonce()).startsWith("server-" + acceptedAt + "-");
    }

    @Test
    @DisplayName("LTP-MSG-002 / LTP-ENV-003: state_update, event and routed custom types are delivered unchanged")
    void delivery() {
        activate();
        String update = envelope("state_update", "{\"kind\":\"lri_envelope_v1\",\"data\":[1]}")
                .replace("\"payload\"", "\"meta\":{\"affect\":{\"valence\":9},\"context_tag\":7},\"payload\"");
        machine.onText(update, -1, out);
        machine.onText(envelope("event", "{\"event_type\":\"e\",\"data\":null}"), -1, out);
        machine.onText(envelope("lri:resonance_pattern", "{}"), -1, out);
        assertThat(out.summary()).isEqualTo("deliver state_update; deliver event; deliver lri:resonance_pattern");
        assertThat(out.delivered.get(0).meta().get("context_tag").getAsInt()).isEqualTo(7);
        assertThat(out.delivered.get(1).threadId()).as("the session's own id, not a copy").isSameAs(machine.threadId());
        assertThat(out.delivered.get(1).sessionId()).isSameAs(machine.sessionId());
    }

    @Test
    @DisplayName("LTP-ENV-006: an envelope before any handshake is SESSION_EXPIRED (handshake_required) and not delivered")
    void envelopeBeforeHandshake() {
        machine.onText(envelope("state_update", "{\"kind\":\"k\",\"data\":1}"), -1, out);
        assertThat(out.summary()).isEqualTo("error SESSION_EXPIRED");
        assertThat(out.lastError().details().get("reason").getAsString()).isEqualTo("handshake_required");
        Envelope error = out.lastSentEnvelope();
        assertThat(error.threadId()).isNull();
        assertThat(machine.state()).isEqualTo(State.AWAITING_HANDSHAKE);
    }

    @Test
    @DisplayName("LTP-ENV-006: a stale or foreign session_id is SESSION_EXPIRED and not delivered")
    void wrongSession() {
        activate();
        machine.onText(envelope("event", THREAD, "other-session", "{\"event_type\":\"e\",\"data\":1}"), -1, out);
        assertThat(out.summary()).isEqualTo("error SESSION_EXPIRED");
        Envelope error = out.lastSentEnvelope();
        assertThat(error.threadId()).isEqualTo(THREAD);
        assertThat(error.sessionId()).isEqualTo(SESSION);
    }

    @Test
    @DisplayName("LTP-ENV-007: another thread_id is UNKNOWN_THREAD and not delivered")
    void wrongThread() {
        activate();
        machine.onText(envelope("event", "other-thread", SESSION, "{\"event_type\":\"e\",\"data\":1}"), -1, out);
        assertThat(out.summary()).isEqualTo("error UNKNOWN_THREAD");
    }

    @Test
    @DisplayName("LTP-ENV-008: unhandled types (custom without handler, pong, handshake_ack, unknown) get UNKNOWN_MESSAGE_TYPE with received_type")
    void unknownTypes() {
        activate();
        for (String type : new String[] {"custom:analytics_event", "pong", "handshake_ack", "handshake_reject", "bogus"}) {
            out.clear();
            machine.onText(envelope(type, "{}"), -1, out);
            assertThat(out.summary()).as(type).isEqualTo("error UNKNOWN_MESSAGE_TYPE");
            assertThat(out.lastError().details().get("received_type").getAsString()).isEqualTo(type);
        }
    }

    @Test
    @DisplayName("a 70 KB type is echoed cut short and escaped, never whole (log and reply flooding)")
    void hugeTypeIsEchoedShort() {
        activate();
        String type = "x:" + "\\n".repeat(10) + "y".repeat(70_000);
        machine.onText(envelope(type, "{}"), -1, out);
        assertThat(out.summary()).isEqualTo("error UNKNOWN_MESSAGE_TYPE");
        String echoed = out.lastError().details().get("received_type").getAsString();
        assertThat(echoed).hasSizeLessThan(200).startsWith("x:\\n").endsWith("more chars)").doesNotContain("\n");
        assertThat(out.lastError().message()).hasSizeLessThan(300);
    }

    @Test
    @DisplayName("LTP-ENV-005: an active connection answers a missing thread_id with MISSING_REQUIRED_FIELD")
    void missingFieldWhenActive() {
        activate();
        machine.onText("{\"type\":\"ping\",\"session_id\":\"" + SESSION + "\",\"timestamp\":1,\"payload\":{}}", -1, out);
        assertThat(out.summary()).isEqualTo("error MISSING_REQUIRED_FIELD");
        assertThat(out.lastError().details().get("missing_field").getAsString()).isEqualTo("thread_id");
    }

    @Test
    @DisplayName("LTP-MSG-003 / LTP-MSG-004 / LTP-ENC-002: invalid payloads are answered and not delivered")
    void invalidPayloads() {
        activate();
        machine.onText(envelope("state_update", "{\"data\":1}"), -1, out);
        machine.onText(envelope("event", "{\"data\":1}"), -1, out);
        machine.onText(envelope("state_update", "{\"kind\":\"k\",\"data\":{}}")
                .replace("\"payload\"", "\"content_encoding\":\"toon\",\"payload\""), -1, out);
        assertThat(out.summary()).isEqualTo("error INVALID_STATE_UPDATE; error MISSING_REQUIRED_FIELD; error INVALID_STATE_UPDATE");
        assertThat(out.delivered).isEmpty();
    }

    @Test
    @DisplayName("LTP-ERR-003 / LTP-ERR-005: unparseable input is MALFORMED_MESSAGE and later valid messages still work")
    void malformedKeepsConnection() {
        activate();
        machine.onText("{not json", -1, out);
        machine.onText("[]", -1, out);
        machine.onText(envelope("ping", "{}"), -1, out);
        assertThat(out.summary()).isEqualTo("error MALFORMED_MESSAGE; error MALFORMED_MESSAGE; send pong");
        assertThat(machine.state()).isEqualTo(State.ACTIVE);
    }

    @Test
    @DisplayName("LTP-ERR-004: an error from the client is discarded without an answer, in any state")
    void errorsAreNotAnswered() {
        machine.onText("{\"type\":\"error\",\"payload\":{\"error_code\":\"X\"}}", -1, out);
        activate();
        machine.onText("{\"type\":\"error\",\"thread_id\":5}", -1, out);
        assertThat(out.sent).isEmpty();
    }

    @Test
    @DisplayName("LTP-LIM-002: oversized messages and frames get MESSAGE_TOO_LARGE and the connection stays open")
    void tooLarge() {
        activate();
        machine.onOversizedFrame(1_500_000, out);
        assertThat(out.lastError().details().get("size_bytes").getAsLong()).isEqualTo(1_500_000);
        machine.onText(envelope("ping", "{}"), 2_000_000, out);
        machine.onText(envelope("ping", "{}"), -1, out);
        assertThat(out.summary()).isEqualTo("error MESSAGE_TOO_LARGE; error MESSAGE_TOO_LARGE; send pong");
    }

    @Test
    @DisplayName("check order (§4): handshake state comes before ids and limits; ids before limits")
    void checkOrder() {
        String deep = "{\"kind\":\"k\",\"data\":" + "[".repeat(12) + "]".repeat(12) + "}";
        machine.onText(envelope("state_update", deep), -1, out);
        assertThat(out.summary()).isEqualTo("error SESSION_EXPIRED");
        activate();
        machine.onText(envelope("state_update", THREAD, "wrong", deep), -1, out);
        assertThat(out.summary()).isEqualTo("error SESSION_EXPIRED");
        out.clear();
        machine.onText(envelope("state_update", deep), -1, out);
        assertThat(out.summary()).isEqualTo("error MESSAGE_TOO_LARGE");
    }

    @Test
    @DisplayName("A-2: a binary frame holding JSON is read like text; invalid UTF-8 is MALFORMED_MESSAGE")
    void binaryFrames() {
        activate();
        machine.onBinary(ByteBuffer.wrap(envelope("ping", "{}").getBytes(StandardCharsets.UTF_8)), out);
        machine.onBinary(ByteBuffer.wrap(new byte[] {(byte) 0xff, '{'}), out);
        assertThat(out.summary()).isEqualTo("send pong; error MALFORMED_MESSAGE");
    }

    @Test
    @DisplayName("A-13: rate limits answer RATE_LIMIT_EXCEEDED and stay open; pings are exempt")
    void rateLimit() {
        AtomicInteger tokens = new AtomicInteger(1);
        machine = new ServerConnectionMachine(CONFIG, () -> tokens.getAndDecrement() > 0);
        activate();
        tokens.set(1);
        machine.onText(envelope("event", "{\"event_type\":\"e\",\"data\":1}"), -1, out);
        machine.onText(envelope("event", "{\"event_type\":\"e\",\"data\":2}"), -1, out);
        machine.onText(envelope("ping", "{}"), -1, out);
        assertThat(out.summary()).isEqualTo("deliver event; error RATE_LIMIT_EXCEEDED; send pong");
        assertThat(machine.state()).isEqualTo(State.ACTIVE);
    }

    @Test
    @DisplayName("frames that arrive while a handshake is resolved are held and processed in order after it")
    void framesHeldDuringResolution() {
        machine.onText(init("0.3"), -1, out);
        machine.onText(envelope("ping", "{}"), -1, out);
        machine.onText(envelope("event", "{\"event_type\":\"e\",\"data\":1}"), -1, out);
        assertThat(out.summary()).isEqualTo("openThread");
        machine.onHandshakeResolved(HandshakeOutcome.Accepted.of(THREAD, SESSION, false), out);
        assertThat(out.summary()).isEqualTo("openThread; ack; send pong; deliver event");
    }

    @Test
    @DisplayName("too many frames held during resolution close the connection 1008")
    void tooManyHeld() {
        machine = new ServerConnectionMachine(ServerSessionConfig.builder().clock(CLOCK).maxHeldFrames(2).build(),
                ServerConnectionMachine.RateGate.UNLIMITED);
        machine.onText(init("0.3"), -1, out);
        for (int i = 0; i < 3; i++) {
            machine.onText(envelope("ping", "{}"), -1, out);
        }
        assertThat(out.summary()).isEqualTo("openThread; close 1008");
        machine.onHandshakeResolved(HandshakeOutcome.Accepted.of(THREAD, SESSION, false), out);
        assertThat(out.summary()).isEqualTo("openThread; close 1008");
    }

    @Test
    @DisplayName("held frames are bounded in bytes too: 1008 before the handshake resolves")
    void tooManyHeldBytes() {
        machine = new ServerConnectionMachine(ServerSessionConfig.builder().clock(CLOCK).maxHeldBytes(1_000).build(),
                ServerConnectionMachine.RateGate.UNLIMITED);
        machine.onText(init("0.3"), -1, out);
        String big = envelope("event", "{\"event_type\":\"e\",\"data\":\"" + "x".repeat(300) + "\"}");
        machine.onText(big, big.length(), out);
        machine.onText(big, big.length(), out);
        assertThat(out.summary()).isEqualTo("openThread");
        machine.onText(big, big.length(), out);
        assertThat(out.summary()).isEqualTo("openThread; close 1008");
    }

    @Test
    @DisplayName("pings past the connection's allowance are refused RATE_LIMIT_EXCEEDED; the allowance refills")
    void pingAllowance() {
        MutableClock clock = new MutableClock(1_731_600_000_000L);
        machine = new ServerConnectionMachine(ServerSessionConfig.builder().clock(clock)
                .pings(Allowance.of(3, Duration.ofSeconds(1))).build(), ServerConnectionMachine.RateGate.UNLIMITED);
        activate();
        for (int i = 0; i < 4; i++) {
            machine.onText(envelope("ping", "{}"), -1, out);
        }
        assertThat(out.summary()).isEqualTo("send pong; send pong; send pong; error RATE_LIMIT_EXCEEDED");
        assertThat(out.lastError().details().get("limit").getAsString()).isEqualTo("pings");
        clock.advance(400);
        out.clear();
        machine.onText(envelope("ping", "{}"), -1, out);
        assertThat(out.summary()).isEqualTo("send pong");
    }

    @Test
    @DisplayName("a connection that keeps causing errors past its allowance is closed 1008 'Too many errors'")
    void errorAllowance() {
        MutableClock clock = new MutableClock(1_731_600_000_000L);
        machine = new ServerConnectionMachine(ServerSessionConfig.builder().clock(clock)
                .errors(Allowance.of(5, Duration.ofSeconds(10))).build(), ServerConnectionMachine.RateGate.UNLIMITED);
        activate();
        for (int i = 0; i < 5; i++) {
            machine.onText("not json", -1, out);
        }
        assertThat(out.sent).hasSize(5);
        assertThat(out.closeCode).isZero();
        machine.onText("not json", -1, out);
        assertThat(out.sent).as("no sixth error").hasSize(5);
        assertThat(out.summary()).endsWith("close 1008");
        assertThat(out.closeReason).isEqualTo(ServerConnectionMachine.REASON_TOO_MANY_ERRORS);
        assertThat(machine.state()).isEqualTo(ServerConnectionMachine.State.CLOSING);
    }

    /** A clock tests move by hand. */
    static final class MutableClock extends Clock {
        private long millis;

        MutableClock(long millis) {
            this.millis = millis;
        }

        void advance(long by) {
            millis += by;
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @Test
    @DisplayName("a handshake on an active connection rebinds it to the new session")
    void rebind() {
        activate();
        machine.onText(init("0.3"), -1, out);
        machine.onHandshakeResolved(HandshakeOutcome.Accepted.of("t2", "s2", false), out);
        out.clear();
        machine.onText(envelope("ping", "{}"), -1, out);
        assertThat(out.summary()).isEqualTo("error UNKNOWN_THREAD");
        machine.onText(envelope("ping", "t2", "s2", "{}"), -1, out);
        assertThat(out.summary()).isEqualTo("error UNKNOWN_THREAD; send pong");
    }

    @Test
    @DisplayName("LTP-SEC-004 / LTP-SEC-005 / LTP-SEC-006: extension failures are answered, not delivered, and the connection stays open")
    void extensionChecks() {
        Clock clock = Clock.fixed(Instant.ofEpochMilli(1_731_600_000_000L), ZoneOffset.UTC);
        EnvelopeSigner signer = EnvelopeSigner.hmacSha256("s3cret");
        ServerSessionConfig secured = ServerSessionConfig.builder().clock(clock)
                .verifier(EnvelopeVerifier.signatures(client -> signer)
                        .andThen(EnvelopeVerifier.replayProtection(ReplayGuard.builder().clock(clock).build())))
                .outboundSigners(client -> signer)
                .build();
        machine = new ServerConnectionMachine(secured, ServerConnectionMachine.RateGate.UNLIMITED);
        activate();
        Envelope event = Envelope.builder("event").threadId(THREAD).sessionId(SESSION).timestamp(1_731_600_000L)
                .payload(new io.liminal.ltp.core.message.EventPayload("e", new com.google.gson.JsonPrimitive(1)).toJson())
                .meta(Meta.builder().clientId("c1").build()).nonce("c1-1731600000000-00112233445566778899aabbccddeeff")
                .build();
        io.liminal.ltp.core.codec.LtpCodec codec = io.liminal.ltp.core.codec.LtpCodec.standard();
        machine.onText(codec.encode(event.withSignature("v0-placeholder")), -1, out);
        machine.onText(codec.encode(event), -1, out);
        machine.onText(codec.encode(signer.signed(event)), -1, out);
        machine.onText(codec.encode(signer.signed(event)), -1, out);
        machine.onText(codec.encode(signer.signed(event.withTimestamp(1_731_599_000L).withNonce("other"))), -1, out);
        assertThat(out.summary()).isEqualTo("error INVALID_SIGNATURE; error MISSING_SIGNATURE; deliver event; "
                + "error INVALID_NONCE; error MESSAGE_TOO_OLD");
        // Outbound envelopes are signed for this client.
        machine.onText(codec.encode(signer.signed(Envelope.builder("ping").threadId(THREAD).sessionId(SESSION)
                .timestamp(1_731_600_000L).nonce("c1-1731600000000-ffeeddccbbaa99887766554433221100").build())), -1, out);
        signer.verify(out.lastSentEnvelope());
    }

    @Test
    @DisplayName("LTP-SEC-004: a signed ping whose payload is not empty verifies (the payload is signed as sent, "
            + "not skipped as an unsigned ping's may be)")
    void signedPingWithPayload() {
        EnvelopeSigner signer = EnvelopeSigner.hmacSha256("s3cret");
        machine = new ServerConnectionMachine(ServerSessionConfig.builder()
                .verifier(EnvelopeVerifier.signatures(client -> signer)).outboundSigners(client -> signer).build(),
                ServerConnectionMachine.RateGate.UNLIMITED);
        activate();
        com.google.gson.JsonObject payload = new com.google.gson.JsonObject();
        payload.addProperty("x_unknown", "kept");
        Envelope ping = Envelope.builder("ping").threadId(THREAD).sessionId(SESSION).timestamp(1_731_600_000L)
                .payload(payload).meta(Meta.builder().clientId("c1").build())
                .nonce("c1-1731600000000-00112233445566778899aabbccddeeff").build();
        String text = io.liminal.ltp.core.codec.LtpCodec.standard().encode(signer.signed(ping));
        assertThat(text).startsWith("{\"type\":\"ping\"").contains("\"x_unknown\"");
        machine.onText(text, -1, out);
        assertThat(out.summary()).isEqualTo("send pong");
    }

    @Test
    @DisplayName("LTP-SEC-002: without the extension, signature values and missing nonces are never rejected")
    void noExtensionNoRejection() {
        activate();
        machine.onText(envelope("event", "{\"event_type\":\"e\",\"data\":1}")
                .replace("\"payload\"", "\"signature\":\"garbage\",\"payload\""), -1, out);
        assertThat(out.summary()).isEqualTo("deliver event");
    }

    @Test
    @DisplayName("timeouts, going away and supersession close with the spec's codes and reasons")
    void closes() {
        machine.onHandshakeTimeout(out);
        assertThat(out.summary()).isEqualTo("close 1000");
        assertThat(out.closeReason).isEqualTo("handshake_timeout");

        setUp();
        out.clear();
        activate();
        machine.onIdleTimeout(out);
        assertThat(out.closeReason).isEqualTo("heartbeat_timeout");

        setUp();
        activate();
        machine.onGoingAway(out);
        assertThat(out.summary()).isEqualTo("close 1001");

        setUp();
        activate();
        machine.onSuperseded(out);
        assertThat(out.closeReason).isEqualTo("session_superseded");
        machine.onText(envelope("ping", "{}"), -1, out);
        assertThat(out.summary()).isEqualTo("close 1000");
    }

    @Test
    @DisplayName("stamp() binds outbound application envelopes to the connection and gives them time and nonce")
    void stamp() {
        assertThatThrownBy(() -> machine.stamp(Envelope.builder("event").build())).isInstanceOf(IllegalStateException.class);
        activate();
        Envelope stamped = machine.stamp(Envelope.builder("event").build());
        assertThat(stamped.threadId()).isEqualTo(THREAD);
        assertThat(stamped.sessionId()).isEqualTo(SESSION);
        assertThat(stamped.timestamp()).isEqualTo(1_731_600_000L);
        assertThat(stamped.nonce()).startsWith("server-");
    }
}
