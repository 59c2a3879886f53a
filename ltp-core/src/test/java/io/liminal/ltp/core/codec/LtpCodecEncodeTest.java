package io.liminal.ltp.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.liminal.ltp.core.ErrorCode;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.message.ContentEncoding;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.ErrorPayload;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.core.message.HandshakeAck;
import io.liminal.ltp.core.message.HandshakeInit;
import io.liminal.ltp.core.message.HandshakeReject;
import io.liminal.ltp.core.message.HandshakeResume;
import io.liminal.ltp.core.message.LtpMessage;
import io.liminal.ltp.core.message.Meta;
import io.liminal.ltp.core.message.StateUpdatePayload;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LtpCodecEncodeTest {
    private final LtpCodec codec = LtpCodec.standard();

    @Test
    @DisplayName("LTP-TR-003 / LTP-ENV-001: an envelope encodes as one minified JSON object with every required field")
    void encodesEnvelope() {
        Envelope envelope = Envelope.builder("state_update").threadId("t").sessionId("s").timestamp(1731600000)
                .payload(new StateUpdatePayload("minimal", JsonParser.parseString("{\"focus_level\":0.8}")).toJson())
                .meta(Meta.builder().clientId("c").affect(0.3, -0.2).contextTag("evening_reflection").build())
                .nonce("n").build();
        assertThat(codec.encode(envelope)).isEqualTo("{\"type\":\"state_update\",\"thread_id\":\"t\",\"session_id\":\"s\","
                + "\"timestamp\":1731600000,\"payload\":{\"kind\":\"minimal\",\"data\":{\"focus_level\":0.8}},"
                + "\"meta\":{\"client_id\":\"c\",\"affect\":{\"valence\":0.3,\"arousal\":-0.2},"
                + "\"context_tag\":\"evening_reflection\"},\"nonce\":\"n\"}");
    }

    @Test
    @DisplayName("a builder without payload sends {} (A-10), and JSON encoding is omitted (§9 senders SHOULD omit)")
    void defaultPayloadAndEncoding() {
        Envelope ping = Envelope.builder("ping").threadId("t").sessionId("s").timestamp(5)
                .contentEncoding(ContentEncoding.JSON).build();
        assertThat(codec.encode(ping)).isEqualTo("{\"type\":\"ping\",\"thread_id\":\"t\",\"session_id\":\"s\",\"timestamp\":5,\"payload\":{}}");
    }

    @Test
    @DisplayName("LTP-ERR-001: errors are sent in payload form, UNSUPPORTED_VERSION with the top-level mirror (§3.5)")
    void errorsInPayloadForm() {
        Envelope error = ErrorPayload.of(io.liminal.ltp.core.LtpVersions.unsupported("0.1"))
                .toEnvelope(null, null, 1731600000, null);
        assertThat(JsonParser.parseString(codec.encode(error))).isEqualTo(JsonParser.parseString("""
                {"type":"error","timestamp":1731600000,
                 "payload":{"error_code":"UNSUPPORTED_VERSION","error_message":"LTP version 0.1 is not supported",
                            "details":{"requested_version":"0.1","supported_versions":["0.3","0.2"]}},
                 "supported_versions":["0.3","0.2"]}"""));
    }

    @Test
    @DisplayName("handshake messages encode every set field and nothing else")
    void encodesHandshakes() {
        JsonObject metadata = new JsonObject();
        metadata.addProperty("sdk_version", "0.3.0");
        HandshakeInit init = HandshakeInit.builder("c").intent("resonant_link")
                .capabilities(List.of("state-update")).metadata(metadata).build();
        assertThat(codec.encode(init)).isEqualTo("{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"c\","
                + "\"intent\":\"resonant_link\",\"capabilities\":[\"state-update\"],\"metadata\":{\"sdk_version\":\"0.3.0\"}}");
        HandshakeResume resume = HandshakeResume.builder("c", "t").resumeReason("automatic_reconnect").build();
        assertThat(codec.encode(resume)).isEqualTo("{\"type\":\"handshake_resume\",\"ltp_version\":\"0.3\","
                + "\"client_id\":\"c\",\"thread_id\":\"t\",\"resume_reason\":\"automatic_reconnect\"}");
        HandshakeAck ack = new HandshakeAck("0.2", "t", "s", List.of("ping-pong"), 15000, true, null, null, null);
        assertThat(codec.encode(ack)).isEqualTo("{\"type\":\"handshake_ack\",\"ltp_version\":\"0.2\",\"thread_id\":\"t\","
                + "\"session_id\":\"s\",\"server_capabilities\":[\"ping-pong\"],\"heartbeat_interval_ms\":15000,\"resumed\":true}");
        assertThat(codec.encode(HandshakeReject.of("0.3", "thread_not_found", true))).isEqualTo(
                "{\"type\":\"handshake_reject\",\"ltp_version\":\"0.3\",\"reason\":\"thread_not_found\",\"suggest_new\":true}");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"c\",\"x\":{\"y\":[1,2.50,\"z\"]}}",
        "{\"type\":\"handshake_resume\",\"ltp_version\":\"0.2\",\"client_id\":\"c\",\"thread_id\":\"t\",\"future\":true}",
        "{\"type\":\"handshake_ack\",\"ltp_version\":\"0.3\",\"thread_id\":\"t\",\"session_id\":\"s\",\"server_capabilities\":[],\"heartbeat_interval_ms\":10,\"resumed\":false,\"nonce\":\"v1\",\"delivery\":{\"x\":1}}",
        "{\"type\":\"handshake_reject\",\"ltp_version\":\"0.3\",\"reason\":\"forbidden\",\"suggest_new\":true,\"metadata\":{},\"z\":null}",
        "{\"type\":\"lri:resonance_pattern\",\"thread_id\":\"t\",\"session_id\":\"s\",\"timestamp\":1,\"payload\":{\"p\":[1e-7,12345678901234567890,-0.0]},\"meta\":{\"affect\":{\"valence\":1.0E2}},\"seq\":5}",
        "{\"type\":\"error\",\"error_code\":\"X\",\"timestamp\":3}",
        "{\"type\":\"error\",\"payload\":{\"error_code\":\"X\"},\"thread_id\":9}"
    })
    @DisplayName("decode then encode keeps every field and every number as written (LTP-ENV-002, LTP-ENV-004)")
    void roundTripKeepsEverything(String json) {
        LtpMessage message = codec.decode(json);
        String encoded = codec.encode(message);
        assertThat(JsonParser.parseString(encoded)).isEqualTo(JsonParser.parseString(json));
        for (String number : new String[] {"2.50", "12345678901234567890", "1e-7", "-0.0", "1.0E2"}) {
            if (json.contains(number)) {
                assertThat(encoded).contains(number);
            }
        }
        assertThat(codec.decode(encoded)).isEqualTo(message);
    }

    @Test
    @DisplayName("encodeChecked refuses what a receiver would refuse, naming the limit")
    void encodeCheckedEnforcesLimits() {
        JsonObject deep = new JsonObject();
        JsonObject cursor = deep;
        for (int i = 0; i < 10; i++) {
            JsonObject next = new JsonObject();
            cursor.add("d", next);
            cursor = next;
        }
        Envelope tooDeep = Envelope.builder("state_update").threadId("t").sessionId("s").timestamp(1)
                .payload(new StateUpdatePayload("k", deep).toJson()).build();
        assertThatThrownBy(() -> codec.encodeChecked(tooDeep)).isInstanceOfSatisfying(LtpProtocolException.class,
                e -> assertThat(e.detail("limit").getAsString()).isEqualTo("payload_depth"));

        JsonArray big = new JsonArray();
        for (int i = 0; i < 20; i++) {
            big.add("x".repeat(60_000));
        }
        Envelope tooBig = Envelope.builder("state_update").threadId("t").sessionId("s").timestamp(1)
                .payload(new StateUpdatePayload("k", big).toJson()).build();
        assertThatThrownBy(() -> codec.encodeChecked(tooBig)).isInstanceOfSatisfying(LtpProtocolException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE));

        Envelope longString = Envelope.builder("event").threadId("t").sessionId("s").timestamp(1)
                .payload(JsonParser.parseString("{\"event_type\":\"e\",\"data\":{\"s\":\"" + "y".repeat(70_000) + "\"}}")
                        .getAsJsonObject()).build();
        assertThatThrownBy(() -> codec.encodeChecked(longString)).isInstanceOfSatisfying(LtpProtocolException.class,
                e -> assertThat(e.detail("field").getAsString()).isEqualTo("payload.data.s"));

        Envelope toon = Envelope.builder("state_update").threadId("t").sessionId("s").timestamp(1)
                .contentEncoding(ContentEncoding.TOON)
                .payload(new StateUpdatePayload("affect_log_v1", new com.google.gson.JsonPrimitive("z".repeat(70_000))).toJson())
                .build();
        assertThat(codec.encodeChecked(toon)).contains("\"content_encoding\":\"toon\"");
    }

    @Test
    @DisplayName("encodeChecked names the field of the first breach: keys, arrays, extra fields, TOON's nested data")
    void encodeCheckedNamesTheField() {
        String tooLong = "k".repeat(70_000);
        assertThat(breach("{\"event_type\":\"e\",\"data\":{\"" + tooLong + "\":1}}", null))
                .startsWith("payload.data.kkk").hasSizeLessThan(1000); // a peer's key is truncated in details
        assertThat(breach("{\"event_type\":\"e\",\"data\":[1,[2,\"" + tooLong + "\"]]}", null))
                .isEqualTo("payload.data[1][1]");
        JsonArray nested = new JsonArray();
        JsonArray cursor = nested;
        for (int i = 0; i < 9; i++) {
            JsonArray next = new JsonArray();
            cursor.add(next);
            cursor = next;
        }
        Envelope deepArray = Envelope.builder("event").threadId("t").sessionId("s").timestamp(1)
                .payload(new EventPayload("e", nested).toJson()).build();
        assertThatThrownBy(() -> codec.encodeChecked(deepArray)).isInstanceOfSatisfying(LtpProtocolException.class,
                e -> assertThat(e.detail("limit").getAsString()).isEqualTo("payload_depth"));
        // TOON exempts the data string itself, not strings nested deeper.
        assertThat(breach("{\"kind\":\"k\",\"data\":{\"s\":\"" + tooLong + "\"}}", ContentEncoding.TOON))
                .isEqualTo("payload.data.s");
        Envelope extra = Envelope.builder("event").threadId("t").sessionId("s").timestamp(1)
                .payload(new EventPayload("e", new JsonObject()).toJson())
                .extraFields(java.util.Map.of("x_note", new com.google.gson.JsonPrimitive(tooLong))).build();
        assertThatThrownBy(() -> codec.encodeChecked(extra)).isInstanceOfSatisfying(LtpProtocolException.class,
                e -> assertThat(e.detail("field").getAsString()).isEqualTo("x_note"));
        assertThat(codec.encodeChecked(Envelope.builder("event").threadId("t").sessionId("s").timestamp(1)
                .payload(JsonParser.parseString("{\"event_type\":\"e\",\"data\":{\"a\":[1,{\"b\":\""
                        + "z".repeat(65_536) + "\"}]}}").getAsJsonObject()).build())).contains("\"b\"");
    }

    /** The field {@code encodeChecked} names for a payload breaking a limit. */
    private String breach(String payload, ContentEncoding encoding) {
        Envelope envelope = Envelope.builder("event").threadId("t").sessionId("s").timestamp(1)
                .contentEncoding(encoding).payload(JsonParser.parseString(payload).getAsJsonObject()).build();
        try {
            codec.encodeChecked(envelope);
        } catch (LtpProtocolException e) {
            return e.detail("field").getAsString();
        }
        throw new AssertionError("no breach found in " + payload.substring(0, Math.min(80, payload.length())));
    }

    @Test
    @DisplayName("builders copy what the application passes in")
    void buildersCopy() {
        JsonObject payload = new JsonObject();
        payload.addProperty("kind", "a");
        Envelope envelope = Envelope.builder("state_update").payload(payload).build();
        payload.addProperty("kind", "changed");
        assertThat(envelope.payload().get("kind").getAsString()).isEqualTo("a");
    }
}
