package io.liminal.ltp.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.liminal.ltp.core.ErrorCode;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.message.Affect;
import io.liminal.ltp.core.message.ContentEncoding;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.ErrorPayload;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.core.message.HandshakeAck;
import io.liminal.ltp.core.message.HandshakeInit;
import io.liminal.ltp.core.message.HandshakeReject;
import io.liminal.ltp.core.message.HandshakeResume;
import io.liminal.ltp.core.message.LtpMessage;
import io.liminal.ltp.core.message.StateUpdatePayload;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LtpCodecDecodeTest {
    private static final String THREAD = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    private static final String SESSION = "a8f5f167-d5a1-4c42-9e12-3d8f72e6b5c1";
    private final LtpCodec codec = LtpCodec.standard();

    private LtpMessage decode(String json) {
        return codec.decode(json);
    }

    private static String envelope(String type, String payloadJson) {
        return "{\"type\":\"" + type + "\",\"thread_id\":\"" + THREAD + "\",\"session_id\":\"" + SESSION
                + "\",\"timestamp\":1731600000,\"payload\":" + payloadJson + "}";
    }

    static void assertRejected(ThrowingCallable call, ErrorCode code, String detailName, String detailValue) {
        assertThatThrownBy(call).isInstanceOfSatisfying(LtpProtocolException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            if (detailName != null) {
                assertThat(e.detail(detailName)).as("details.%s", detailName).isNotNull();
                assertThat(e.detail(detailName).getAsString()).isEqualTo(detailValue);
            }
        });
    }

    @Test
    @DisplayName("decodes the spec's handshake_init example (LTP-HS-001 shape)")
    void decodesHandshakeInit() {
        LtpMessage message = decode("""
                {"type":"handshake_init","ltp_version":"0.3","client_id":"550e8400-e29b-41d4-a716-446655440000",
                 "device_fingerprint":"web-chrome-119-macos","intent":"resonant_link",
                 "capabilities":["state-update","events","ping-pong"],"metadata":{"sdk_version":"0.3.0","platform":"web"}}
                """);
        assertThat(message).isInstanceOfSatisfying(HandshakeInit.class, init -> {
            assertThat(init.ltpVersion()).isEqualTo("0.3");
            assertThat(init.clientId()).isEqualTo("550e8400-e29b-41d4-a716-446655440000");
            assertThat(init.deviceFingerprint()).isEqualTo("web-chrome-119-macos");
            assertThat(init.intent()).isEqualTo("resonant_link");
            assertThat(init.capabilities()).containsExactly("state-update", "events", "ping-pong");
            assertThat(init.metadata().get("platform").getAsString()).isEqualTo("web");
        });
    }

    @Test
    @DisplayName("decodes handshake_resume with metadata (A-4)")
    void decodesHandshakeResume() {
        LtpMessage message = decode("""
                {"type":"handshake_resume","ltp_version":"0.2","client_id":"c1","thread_id":"t1",
                 "resume_reason":"automatic_reconnect","metadata":{"auth_token":"secret"}}""");
        assertThat(message).isInstanceOfSatisfying(HandshakeResume.class, resume -> {
            assertThat(resume.ltpVersion()).isEqualTo("0.2");
            assertThat(resume.threadId()).isEqualTo("t1");
            assertThat(resume.resumeReason()).isEqualTo("automatic_reconnect");
            assertThat(resume.metadata().get("auth_token").getAsString()).isEqualTo("secret");
        });
    }

    @Test
    @DisplayName("decodes the spec's handshake_ack example")
    void decodesHandshakeAck() {
        HandshakeAck ack = (HandshakeAck) decode("""
                {"type":"handshake_ack","ltp_version":"0.3","thread_id":"7c9e6679-7425-40de-944b-e07fc1f90ae7",
                 "session_id":"a8f5f167-d5a1-4c42-9e12-3d8f72e6b5c1","server_capabilities":["basic-state-update","ping-pong","events"],
                 "heartbeat_interval_ms":15000,"resumed":false,"metadata":{"server_version":"0.3.0","region":"local"}}""");
        assertThat(ack.threadId()).isEqualTo(THREAD);
        assertThat(ack.sessionId()).isEqualTo(SESSION);
        assertThat(ack.heartbeatIntervalMs()).isEqualTo(15000);
        assertThat(ack.resumed()).isFalse();
        assertThat(ack.serverCapabilities()).contains("ping-pong");
    }

    @Test
    @DisplayName("an ack without heartbeat or capabilities gets the client defaults; non-positive interval is 15000 (§3.7)")
    void ackDefaults() {
        HandshakeAck ack = (HandshakeAck) decode(
                "{\"type\":\"handshake_ack\",\"thread_id\":\"t\",\"session_id\":\"s\",\"heartbeat_interval_ms\":0}");
        assertThat(ack.heartbeatIntervalMs()).isEqualTo(15000);
        assertThat(ack.serverCapabilities()).isEmpty();
        assertThat(ack.ltpVersion()).isEqualTo("0.3");
        assertThat(ack.resumed()).isFalse();
    }

    @Test
    @DisplayName("an ack without a non-empty session_id is MALFORMED_HANDSHAKE (§3.7)")
    void ackWithoutSession() {
        assertRejected(() -> decode("{\"type\":\"handshake_ack\",\"thread_id\":\"t\",\"session_id\":\"\"}"),
                ErrorCode.MALFORMED_HANDSHAKE, "field", "session_id");
        assertRejected(() -> decode("{\"type\":\"handshake_ack\",\"thread_id\":\"t\"}"),
                ErrorCode.MALFORMED_HANDSHAKE, "missing_field", "session_id");
    }

    @Test
    @DisplayName("decodes handshake_reject; absent suggest_new reads as true (A-9)")
    void decodesReject() {
        HandshakeReject reject = (HandshakeReject) decode(
                "{\"type\":\"handshake_reject\",\"ltp_version\":\"0.3\",\"reason\":\"thread_not_found\"}");
        assertThat(reject.reason()).isEqualTo("thread_not_found");
        assertThat(reject.suggestNew()).isNull();
        assertThat(reject.shouldStartNewThread()).isTrue();
        HandshakeReject no = (HandshakeReject) decode(
                "{\"type\":\"handshake_reject\",\"reason\":\"forbidden\",\"suggest_new\":false}");
        assertThat(no.shouldStartNewThread()).isFalse();
    }

    @Test
    @DisplayName("LTP-HS-010: missing or mistyped ltp_version, client_id or resume thread_id is MALFORMED_HANDSHAKE, closing 1002")
    void malformedHandshakes() {
        assertRejected(() -> decode("{\"type\":\"handshake_init\",\"client_id\":\"c\"}"),
                ErrorCode.MALFORMED_HANDSHAKE, "missing_field", "ltp_version");
        assertRejected(() -> decode("{\"type\":\"handshake_init\",\"ltp_version\":0.3,\"client_id\":\"c\"}"),
                ErrorCode.MALFORMED_HANDSHAKE, "field", "ltp_version");
        assertRejected(() -> decode("{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\"}"),
                ErrorCode.MALFORMED_HANDSHAKE, "missing_field", "client_id");
        assertRejected(() -> decode("{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":null}"),
                ErrorCode.MALFORMED_HANDSHAKE, "missing_field", "client_id");
        assertRejected(() -> decode("{\"type\":\"handshake_resume\",\"ltp_version\":\"0.3\",\"client_id\":\"c\"}"),
                ErrorCode.MALFORMED_HANDSHAKE, "missing_field", "thread_id");
        assertRejected(() -> decode("{\"type\":\"handshake_resume\",\"ltp_version\":\"0.3\",\"client_id\":\"c\",\"thread_id\":7}"),
                ErrorCode.MALFORMED_HANDSHAKE, "field", "thread_id");
        assertRejected(() -> decode("{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"c\",\"capabilities\":[1]}"),
                ErrorCode.MALFORMED_HANDSHAKE, "field", "capabilities");
        assertRejected(() -> decode("{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"c\",\"metadata\":\"x\"}"),
                ErrorCode.MALFORMED_HANDSHAKE, "field", "metadata");
        assertThat(ErrorCode.MALFORMED_HANDSHAKE.closeCode()).isEqualTo(1002);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.1", "0.4", "1.0", "", "0.3 "})
    @DisplayName("LTP-HS-009: other versions (incl. 0.1) are UNSUPPORTED_VERSION listing 0.3 and 0.2, closing 1002")
    void unsupportedVersions(String version) {
        assertThatThrownBy(() -> decode("{\"type\":\"handshake_init\",\"ltp_version\":\"" + version + "\",\"client_id\":\"c\"}"))
                .isInstanceOfSatisfying(LtpProtocolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_VERSION);
                    assertThat(e.detail("requested_version").getAsString()).isEqualTo(version);
                    assertThat(e.detail("supported_versions").toString()).isEqualTo("[\"0.3\",\"0.2\"]");
                    assertThat(e.code().closeCode()).isEqualTo(1002);
                });
    }

    @Test
    @DisplayName("LTP-HS-011: an empty client_id is INVALID_CLIENT_ID, closing 1008")
    void emptyClientId() {
        assertRejected(() -> decode("{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"\"}"),
                ErrorCode.INVALID_CLIENT_ID, "field", "client_id");
        assertThat(ErrorCode.INVALID_CLIENT_ID.closeCode()).isEqualTo(1008);
    }

    @Test
    @DisplayName("decodes the spec's state_update example with meta (LTP-MSG-002)")
    void decodesStateUpdate() {
        Envelope envelope = (Envelope) decode("""
                {"type":"state_update","thread_id":"7c9e6679-7425-40de-944b-e07fc1f90ae7",
                 "session_id":"a8f5f167-d5a1-4c42-9e12-3d8f72e6b5c1","timestamp":1731600000,"content_encoding":"json",
                 "payload":{"kind":"minimal","data":{"focus_level":0.8}},
                 "meta":{"client_id":"client-123","trace_id":"trace-abc-123","affect":{"valence":0.3,"arousal":-0.2},
                         "context_tag":"evening_reflection"},
                 "nonce":"client-123-1731600000123-k3j9x0aa","signature":"v0-placeholder"}""");
        assertThat(envelope.type()).isEqualTo("state_update");
        assertThat(envelope.timestamp()).isEqualTo(1731600000L);
        assertThat(envelope.encoding()).isEqualTo(ContentEncoding.JSON);
        assertThat(envelope.nonce()).isEqualTo("client-123-1731600000123-k3j9x0aa");
        assertThat(envelope.signature()).isEqualTo("v0-placeholder");
        StateUpdatePayload update = StateUpdatePayload.from(envelope);
        assertThat(update.kind()).isEqualTo("minimal");
        assertThat(update.data().getAsJsonObject().get("focus_level").getAsDouble()).isEqualTo(0.8);
        assertThat(envelope.meta().clientId()).isEqualTo("client-123");
        assertThat(envelope.meta().traceId()).isEqualTo("trace-abc-123");
        assertThat(envelope.meta().affect()).contains(new Affect(0.3, -0.2));
        assertThat(envelope.meta().contextTag()).contains("evening_reflection");
    }

    @ParameterizedTest
    @ValueSource(strings = {"minimal", "full", "delta", "lri_envelope_v1", "affect_log_v1", "anything-at-all"})
    @DisplayName("LTP-MSG-002: any non-empty kind is accepted (A-11)")
    void anyKind(String kind) {
        Envelope envelope = (Envelope) decode(envelope("state_update", "{\"kind\":\"" + kind + "\",\"data\":[1,2]}"));
        assertThat(StateUpdatePayload.from(envelope).kind()).isEqualTo(kind);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":1}", "[1,{\"b\":[]}]", "\"text\"", "42", "true", "null"})
    @DisplayName("LTP-MSG-002: any JSON data is accepted (A-11)")
    void anyData(String data) {
        Envelope envelope = (Envelope) decode(envelope("state_update", "{\"kind\":\"full\",\"data\":" + data + "}"));
        assertThat(StateUpdatePayload.from(envelope).data()).isEqualTo(JsonParser.parseString(data));
    }

    @Test
    @DisplayName("LTP-MSG-003: state_update lacking kind or data is INVALID_STATE_UPDATE with details.field")
    void invalidStateUpdates() {
        assertRejected(() -> decode(envelope("state_update", "{\"data\":{}}")),
                ErrorCode.INVALID_STATE_UPDATE, "field", "payload.kind");
        assertRejected(() -> decode(envelope("state_update", "{\"kind\":\"\",\"data\":{}}")),
                ErrorCode.INVALID_STATE_UPDATE, "field", "payload.kind");
        assertRejected(() -> decode(envelope("state_update", "{\"kind\":5,\"data\":{}}")),
                ErrorCode.INVALID_STATE_UPDATE, "field", "payload.kind");
        assertRejected(() -> decode(envelope("state_update", "{\"kind\":\"full\"}")),
                ErrorCode.INVALID_STATE_UPDATE, "field", "payload.data");
        assertRejected(() -> decode(envelope("state_update", "{\"kind\":\"full\"}").replace(",\"payload\":{\"kind\":\"full\"}", "")),
                ErrorCode.INVALID_STATE_UPDATE, "field", "payload");
    }

    @Test
    @DisplayName("LTP-MSG-004: event lacking event_type or data is MISSING_REQUIRED_FIELD")
    void invalidEvents() {
        Envelope ok = (Envelope) decode(envelope("event",
                "{\"event_type\":\"user_action\",\"data\":{\"action\":\"button_click\",\"target\":\"explore_mode\"}}"));
        assertThat(EventPayload.from(ok).eventType()).isEqualTo("user_action");
        assertRejected(() -> decode(envelope("event", "{\"data\":{}}")),
                ErrorCode.MISSING_REQUIRED_FIELD, "missing_field", "payload.event_type");
        assertRejected(() -> decode(envelope("event", "{\"event_type\":\"x\"}")),
                ErrorCode.MISSING_REQUIRED_FIELD, "missing_field", "payload.data");
        assertRejected(() -> decode(envelope("event", "{\"event_type\":7,\"data\":1}")),
                ErrorCode.MALFORMED_MESSAGE, "field", "payload.event_type");
    }

    @Test
    @DisplayName("LTP-ENV-005: envelopes missing type, thread_id, session_id or timestamp are MISSING_REQUIRED_FIELD")
    void missingEnvelopeFields() {
        String full = envelope("ping", "{}");
        assertRejected(() -> decode(full.replace("\"type\":\"ping\",", "")),
                ErrorCode.MISSING_REQUIRED_FIELD, "missing_field", "type");
        assertRejected(() -> decode(full.replace("\"thread_id\":\"" + THREAD + "\",", "")),
                ErrorCode.MISSING_REQUIRED_FIELD, "missing_field", "thread_id");
        assertRejected(() -> decode(full.replace("\"session_id\":\"" + SESSION + "\",", "")),
                ErrorCode.MISSING_REQUIRED_FIELD, "missing_field", "session_id");
        assertRejected(() -> decode(full.replace("\"timestamp\":1731600000,", "")),
                ErrorCode.MISSING_REQUIRED_FIELD, "missing_field", "timestamp");
        assertRejected(() -> decode(full.replace("\"timestamp\":1731600000", "\"timestamp\":null")),
                ErrorCode.MISSING_REQUIRED_FIELD, "missing_field", "timestamp");
    }

    @Test
    @DisplayName("mistyped known fields are MALFORMED_MESSAGE (§6)")
    void mistypedFields() {
        String full = envelope("ping", "{}");
        assertRejected(() -> decode(full.replace("\"type\":\"ping\"", "\"type\":1")),
                ErrorCode.MALFORMED_MESSAGE, "field", "type");
        assertRejected(() -> decode(full.replace("\"thread_id\":\"" + THREAD + "\"", "\"thread_id\":[]")),
                ErrorCode.MALFORMED_MESSAGE, "field", "thread_id");
        assertRejected(() -> decode(full.replace("1731600000", "\"1731600000\"")),
                ErrorCode.MALFORMED_MESSAGE, "field", "timestamp");
        assertRejected(() -> decode(full.replace("\"payload\":{}", "\"payload\":[]")),
                ErrorCode.MALFORMED_MESSAGE, "field", "payload");
        assertRejected(() -> decode(full.replace("\"payload\":{}", "\"payload\":{},\"meta\":\"x\"")),
                ErrorCode.MALFORMED_MESSAGE, "field", "meta");
        assertRejected(() -> decode(full.replace("\"payload\":{}", "\"payload\":{},\"content_encoding\":\"xml\"")),
                ErrorCode.MALFORMED_MESSAGE, "field", "content_encoding");
        assertRejected(() -> decode(full.replace("\"payload\":{}", "\"payload\":{},\"nonce\":5")),
                ErrorCode.MALFORMED_MESSAGE, "field", "nonce");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1731600000.5", "1.5", "1e-3", "1e999", "99999999999999999999"})
    @DisplayName("non-integer or out-of-range timestamps are MALFORMED_MESSAGE")
    void nonIntegerTimestamps(String timestamp) {
        assertRejected(() -> decode(envelope("ping", "{}").replace("1731600000", timestamp)),
                ErrorCode.MALFORMED_MESSAGE, null, null);
    }

    @Test
    @DisplayName("integral timestamps written with a fraction or exponent are read as integers")
    void integralTimestamps() {
        assertThat(((Envelope) decode(envelope("ping", "{}").replace("1731600000", "1.7316e9"))).timestamp())
                .isEqualTo(1731600000L);
        assertThat(((Envelope) decode(envelope("ping", "{}").replace("1731600000", "1731600000.0"))).timestamp())
                .isEqualTo(1731600000L);
    }

    @Test
    @DisplayName("LTP-ENC-001: an absent content_encoding reads as json; null counts as absent")
    void absentEncodingIsJson() {
        assertThat(((Envelope) decode(envelope("ping", "{}"))).encoding()).isEqualTo(ContentEncoding.JSON);
        String withNull = envelope("ping", "{}").replace("\"payload\"", "\"content_encoding\":null,\"payload\"");
        Envelope envelope = (Envelope) decode(withNull);
        assertThat(envelope.contentEncoding()).isNull();
        assertThat(envelope.encoding()).isEqualTo(ContentEncoding.JSON);
    }

    @Test
    @DisplayName("LTP-ENC-002: TOON data passes unparsed; non-string TOON data is INVALID_STATE_UPDATE")
    void toonData() {
        String toon = "affect_log[3]{t,valence,arousal}:\\n  1,0.2,-0.1\\n  2,0.3,-0.2\\n  3,0.1,0.0\\n";
        Envelope envelope = (Envelope) decode(envelope("state_update",
                "{\"kind\":\"affect_log_v1\",\"data\":\"" + toon + "\"}").replace("\"payload\"",
                "\"content_encoding\":\"toon\",\"payload\""));
        assertThat(envelope.encoding()).isEqualTo(ContentEncoding.TOON);
        assertThat(StateUpdatePayload.from(envelope).data().getAsString())
                .isEqualTo("affect_log[3]{t,valence,arousal}:\n  1,0.2,-0.1\n  2,0.3,-0.2\n  3,0.1,0.0\n");
        assertRejected(() -> decode(envelope("state_update", "{\"kind\":\"x\",\"data\":[1]}")
                        .replace("\"payload\"", "\"content_encoding\":\"toon\",\"payload\"")),
                ErrorCode.INVALID_STATE_UPDATE, "field", "payload.data");
    }

    @Test
    @DisplayName("LTP-ENV-002: unknown fields at top level, in meta and in payload are ignored and kept")
    void unknownFieldsKept() {
        String json = "{\"type\":\"event\",\"thread_id\":\"t\",\"session_id\":\"s\",\"timestamp\":1,\"x_top\":{\"a\":[1]},"
                + "\"payload\":{\"event_type\":\"e\",\"data\":1,\"x_payload\":true},"
                + "\"meta\":{\"client_id\":\"c\",\"x_meta\":\"m\"},\"prev_message_hash\":\"\"}";
        Envelope envelope = (Envelope) decode(json);
        assertThat(envelope.extraFields()).containsOnlyKeys("x_top", "prev_message_hash");
        assertThat(envelope.payload().get("x_payload").getAsBoolean()).isTrue();
        assertThat(envelope.meta().get("x_meta").getAsString()).isEqualTo("m");
        assertThat(JsonParser.parseString(codec.encode(envelope))).isEqualTo(JsonParser.parseString(json));
    }

    @Test
    @DisplayName("LTP-ENV-003: any affect and context_tag values are accepted without range checks")
    void affectWithoutRangeChecks() {
        String json = "{\"type\":\"ping\",\"thread_id\":\"t\",\"session_id\":\"s\",\"timestamp\":1,\"payload\":{},"
                + "\"meta\":{\"affect\":{\"valence\":7.5,\"arousal\":-99,\"mood\":\"x\"},\"context_tag\":{\"nested\":1}}}";
        Envelope envelope = (Envelope) decode(json);
        assertThat(envelope.meta().affect()).contains(new Affect(7.5, -99));
        assertThat(envelope.meta().contextTag()).isEmpty();
        assertThat(envelope.meta().get("context_tag").toString()).isEqualTo("{\"nested\":1}");
        Envelope stringAffect = (Envelope) decode(json.replace("{\"valence\":7.5,\"arousal\":-99,\"mood\":\"x\"}", "\"calm\""));
        assertThat(stringAffect.meta().affect()).isEmpty();
        assertThat(stringAffect.meta().get("affect").getAsString()).isEqualTo("calm");
    }

    @Test
    @DisplayName("custom namespace:type messages are first-class envelopes")
    void customTypes() {
        Envelope envelope = (Envelope) decode(envelope("lri:resonance_pattern", "{\"pattern\":[0.1,0.2]}"));
        assertThat(envelope.isCustomType()).isTrue();
        assertThat(envelope.type()).isEqualTo("lri:resonance_pattern");
    }

    @Test
    @DisplayName("pings without payload read as {} (A-10)")
    void pingWithoutPayload() {
        Envelope ping = (Envelope) decode("{\"type\":\"ping\",\"thread_id\":\"t\",\"session_id\":\"s\",\"timestamp\":1}");
        assertThat(ping.payload()).isNull();
        assertThat(ping.payloadOrEmpty()).isEqualTo(new JsonObject());
    }

    @Test
    @DisplayName("LTP-ERR-002: errors decode in payload form and top-level form, ids optional")
    void errorsInBothForms() {
        Envelope payloadForm = (Envelope) decode("""
                {"type":"error","timestamp":1731600000,"payload":{"error_code":"UNSUPPORTED_VERSION",
                 "error_message":"LTP version 0.1 is not supported",
                 "details":{"requested_version":"0.1","supported_versions":["0.3","0.2"]}},"supported_versions":["0.3","0.2"]}""");
        ErrorPayload error = ErrorPayload.from(payloadForm);
        assertThat(error.knownCode()).isEqualTo(ErrorCode.UNSUPPORTED_VERSION);
        assertThat(error.supportedVersions()).containsExactly("0.3", "0.2");
        assertThat(payloadForm.threadId()).isNull();

        Envelope topLevel = (Envelope) decode(
                "{\"type\":\"error\",\"error_code\":\"INVALID_CLIENT_ID\",\"error_message\":\"nope\",\"timestamp\":1}");
        ErrorPayload top = ErrorPayload.from(topLevel);
        assertThat(top.code()).isEqualTo("INVALID_CLIENT_ID");
        assertThat(top.message()).isEqualTo("nope");

        Envelope unknown = (Envelope) decode("{\"type\":\"error\",\"payload\":{\"error_code\":\"BRAND_NEW\"}}");
        assertThat(ErrorPayload.from(unknown).code()).isEqualTo("BRAND_NEW");
        assertThat(ErrorPayload.from(unknown).knownCode()).isNull();
        Envelope none = (Envelope) decode("{\"type\":\"error\"}");
        assertThat(ErrorPayload.from(none).code()).isEqualTo(ErrorPayload.UNKNOWN_CODE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not json", "[1,2]", "\"string\"", "42", "null", "{\"type\":\"ping\"", "{} {}",
            "{\"type\":\"ping\",}", "{'type':'ping'}", "{\"a\":NaN}", "// c\n{}", "{\"a\":01}"})
    @DisplayName("LTP-ERR-003: unparseable or non-object input is MALFORMED_MESSAGE")
    void unparseable(String input) {
        assertRejected(() -> decode(input), ErrorCode.MALFORMED_MESSAGE, null, null);
    }

    @Test
    @DisplayName("LTP-LIM-001: a message at exactly 1 MiB, depth 10 and 64 KiB strings is accepted")
    void withinLimits() {
        String deep = "{\"d\":".repeat(9) + "1" + "}".repeat(9);
        Envelope depth10 = (Envelope) decode(envelope("state_update", "{\"kind\":\"k\",\"data\":" + deep + "}"));
        assertThat(depth10).isNotNull();
        String string64k = "x".repeat(65_536);
        assertThat(decode(envelope("state_update", "{\"kind\":\"k\",\"data\":{\"s\":\"" + string64k + "\"}}"))).isNotNull();
        String prefix = envelope("state_update", "{\"kind\":\"k\",\"data\":[\"");
        String suffix = "\"]}}";
        StringBuilder exact = new StringBuilder(prefix);
        int remaining = Limits.DEFAULT_MAX_MESSAGE_BYTES - prefix.length() - suffix.length();
        // Fill with strings of at most 64 KiB separated by ","
        int written = 0;
        while (written < remaining) {
            int chunk = Math.min(60_000, remaining - written);
            if (written > 0) {
                if (remaining - written < 4) {
                    exact.append("x".repeat(remaining - written));
                    written = remaining;
                    break;
                }
                exact.append("\",\"");
                written += 3;
                chunk = Math.min(60_000, remaining - written);
            }
            exact.append("x".repeat(chunk));
            written += chunk;
        }
        exact.append(suffix);
        assertThat(exact.length()).isEqualTo(Limits.DEFAULT_MAX_MESSAGE_BYTES);
        assertThat(decode(exact.toString())).isInstanceOf(Envelope.class);
    }

    @Test
    @DisplayName("LTP-LIM-002: larger messages are MESSAGE_TOO_LARGE with size_bytes and max_bytes")
    void overMessageLimit() {
        String big = envelope("state_update", "{\"kind\":\"k\",\"data\":\"" + "é".repeat(600_000) + "\"}");
        assertThatThrownBy(() -> decode(big)).isInstanceOfSatisfying(LtpProtocolException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
            assertThat(e.getMessage()).isEqualTo("Message exceeds 1 MB limit");
            assertThat(e.detail("size_bytes").getAsLong()).isEqualTo(big.length() + 600_000L);
            assertThat(e.detail("max_bytes").getAsInt()).isEqualTo(1_048_576);
            assertThat(e.code().keepsConnectionOpen()).isTrue();
        });
    }

    @Test
    @DisplayName("LTP-LIM-002: payload depth 11 is MESSAGE_TOO_LARGE with limit payload_depth")
    void overPayloadDepth() {
        String deep = "{\"d\":".repeat(10) + "1" + "}".repeat(10);
        assertThatThrownBy(() -> decode(envelope("state_update", "{\"kind\":\"k\",\"data\":" + deep + "}")))
                .isInstanceOfSatisfying(LtpProtocolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
                    assertThat(e.detail("limit").getAsString()).isEqualTo("payload_depth");
                    assertThat(e.detail("depth").getAsInt()).isEqualTo(11);
                    assertThat(e.detail("max_depth").getAsInt()).isEqualTo(10);
                });
    }

    @Test
    @DisplayName("LTP-LIM-002: a string over 64 KiB is MESSAGE_TOO_LARGE naming the field")
    void overStringLimit() {
        String json = envelope("state_update", "{\"kind\":\"k\",\"data\":{\"summary\":\"" + "x".repeat(65_537) + "\"}}");
        assertRejected(() -> decode(json), ErrorCode.MESSAGE_TOO_LARGE, "field", "payload.data.summary");
        String inArray = envelope("state_update", "{\"kind\":\"k\",\"data\":[1,\"" + "ü".repeat(32_769) + "\"]}");
        assertRejected(() -> decode(inArray), ErrorCode.MESSAGE_TOO_LARGE, "field", "payload.data[1]");
        String key = envelope("state_update", "{\"kind\":\"k\",\"data\":{\"" + "k".repeat(65_537) + "\":1}}");
        assertRejected(() -> decode(key), ErrorCode.MESSAGE_TOO_LARGE, "limit", "string_length");
    }

    @Test
    @DisplayName("TOON payload.data is exempt from the string limit (A-17), JSON payload.data is not")
    void toonExemptFromStringLimit() {
        String big = "x".repeat(100_000);
        String json = envelope("state_update", "{\"kind\":\"affect_log_v1\",\"data\":\"" + big + "\"}");
        assertRejected(() -> decode(json), ErrorCode.MESSAGE_TOO_LARGE, "field", "payload.data");
        // content_encoding after the payload: the decision waits until the whole message is read.
        String toon = json.substring(0, json.length() - 1) + ",\"content_encoding\":\"toon\"}";
        assertThat(StateUpdatePayload.from((Envelope) decode(toon)).data().getAsString()).hasSize(100_000);
    }

    @Test
    @DisplayName("limits are configurable")
    void configurableLimits() {
        LtpCodec small = LtpCodec.withLimits(Limits.builder().maxMessageBytes(100).maxPayloadDepth(2)
                .maxStringBytes(12).build());
        assertRejected(() -> small.decode(envelope("ping", "{}") + " ".repeat(100)), ErrorCode.MESSAGE_TOO_LARGE,
                "max_bytes", "100");
        assertRejected(() -> small.decode("{\"type\":\"ping\",\"thread_id\":\"t\",\"session_id\":\"s\",\"timestamp\":1,\"payload\":{\"a\":{\"b\":{}}}}"),
                ErrorCode.MESSAGE_TOO_LARGE, "limit", "payload_depth");
        assertRejected(() -> small.decode("{\"type\":\"ping\",\"thread_id\":\"t\",\"session_id\":\"s\",\"timestamp\":1,\"payload\":{\"a\":\"1234567890123\"}}"),
                ErrorCode.MESSAGE_TOO_LARGE, "field", "payload.a");
        assertThatThrownBy(() -> Limits.builder().maxMessageBytes(0)).hasMessageContaining("maxMessageBytes");
    }

    @Test
    @DisplayName("a binary frame holding UTF-8 JSON decodes like text (A-2)")
    void binaryFrames() {
        byte[] utf8 = envelope("ping", "{\"note\":\"é\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Envelope envelope = (Envelope) codec.decode(utf8);
        assertThat(envelope.payload().get("note").getAsString()).isEqualTo("é");
    }

    @Test
    @DisplayName("duplicate-looking but distinct fields and null extras are kept verbatim")
    void nullExtrasKept() {
        Envelope envelope = (Envelope) decode("{\"type\":\"ping\",\"thread_id\":\"t\",\"session_id\":\"s\",\"timestamp\":1,\"payload\":{},\"x\":null}");
        assertThat(envelope.extraFields()).containsKey("x");
        assertThat(codec.encode(envelope)).contains("\"x\":null");
        assertThat(List.copyOf(envelope.extraFields().keySet())).containsExactly("x");
    }
}
