package io.liminal.ltp.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liminal.ltp.core.ErrorCode;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.StateUpdatePayload;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Input meant to crash, exhaust or confuse the decoder must fail fast with a protocol error and nothing else. */
class HostileInputTest {
    private final LtpCodec codec = LtpCodec.standard();

    private static LtpProtocolException rejection(Runnable call) {
        try {
            call.run();
        } catch (LtpProtocolException e) {
            return e;
        }
        throw new AssertionError("expected an LtpProtocolException");
    }

    @Test
    @DisplayName("invalid JSON is described as it is: 'nonsense' is no null, 'tru' no boolean")
    void invalidLiteralsAreNamedAsWritten() {
        assertThat(rejection(() -> codec.decode("nonsense")).getMessage()).contains("'nonsense'")
                .doesNotContain("null");
        assertThat(rejection(() -> codec.decode("null")).getMessage()).contains("was null");
        assertThat(rejection(() -> codec.decode("{\"type\":tru}")).detail("error").getAsString())
                .contains("Invalid literal 'tru'").doesNotContain("boolean");
        assertThat(rejection(() -> codec.decode("{\"type\":nul}")).detail("error").getAsString()).contains("'nul'");
    }

    @Test
    @DisplayName("an oversized string under a 70 KB key names the field cut short")
    void hugeKeyIsNamedShort() {
        String key = "k".repeat(70_000);
        String json = "{\"type\":\"event\",\"thread_id\":\"t\",\"session_id\":\"s\",\"timestamp\":1,"
                + "\"payload\":{\"event_type\":\"e\",\"data\":{\"" + key + "\":1}}}";
        LtpProtocolException e = rejection(() -> codec.decode(json));
        assertThat(e.code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
        assertThat(e.getMessage()).hasSizeLessThan(300);
        assertThat(e.detail("field").getAsString()).hasSizeLessThan(200);
    }

    @Test
    @Timeout(5)
    @DisplayName("10,000 nested arrays do not overflow the stack: MESSAGE_TOO_LARGE at the nesting cap")
    void deeplyNestedArrays() {
        String nested = "[".repeat(10_000) + "]".repeat(10_000);
        String json = "{\"type\":\"state_update\",\"thread_id\":\"t\",\"session_id\":\"s\",\"timestamp\":1,"
                + "\"payload\":{\"kind\":\"k\",\"data\":" + nested + "}}";
        LtpProtocolException e = rejection(() -> codec.decode(json));
        assertThat(e.code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
        assertThat(e.detail("limit").getAsString()).isEqualTo("payload_depth");
    }

    @Test
    @Timeout(5)
    @DisplayName("10,000 nested objects outside the payload hit the hard nesting cap")
    void deeplyNestedObjectsOutsidePayload() {
        String nested = "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000);
        LtpProtocolException e = rejection(() -> codec.decode("{\"type\":\"ping\",\"x\":" + nested + "}"));
        assertThat(e.code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
        assertThat(e.detail("limit").getAsString()).isEqualTo("nesting_depth");
        assertThat(e.detail("max_depth").getAsInt()).isEqualTo(Limits.DEFAULT_MAX_NESTING_DEPTH);
    }

    @Test
    @Timeout(5)
    @DisplayName("unbalanced deep nesting is also rejected without a stack overflow")
    void unbalancedNesting() {
        LtpProtocolException e = rejection(() -> codec.decode("{\"payload\":" + "[".repeat(100_000)));
        assertThat(e.code()).isIn(ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.MALFORMED_MESSAGE);
    }

    @Test
    @Timeout(10)
    @DisplayName("a 100 MB string is refused by its size before any parsing")
    void hundredMegabyteString() {
        String huge = "{\"type\":\"state_update\",\"payload\":{\"data\":\"" + "x".repeat(100_000_000) + "\"}}";
        long start = System.nanoTime();
        LtpProtocolException e = rejection(() -> codec.decode(huge));
        assertThat(e.code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
        assertThat(e.detail("size_bytes").getAsLong()).isEqualTo(huge.length());
        // Not a timing assertion: the message proves the size path answered, not the parser.
        assertThat(e.getMessage()).isEqualTo("Message exceeds 1 MB limit");
        assertThat(System.nanoTime() - start).isPositive();
    }

    @Test
    @DisplayName("a 100 MB binary frame is refused by its byte count before UTF-8 decoding")
    void hundredMegabyteBinary() {
        byte[] bytes = new byte[100_000_000];
        LtpProtocolException e = rejection(() -> codec.decode(bytes));
        assertThat(e.code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
        assertThat(e.detail("size_bytes").getAsLong()).isEqualTo(100_000_000L);
    }

    @Test
    @DisplayName("numbers that overflow a double (1e999, -1e999, 400 digits) are MALFORMED_MESSAGE")
    void hugeNumbers() {
        for (String number : new String[] {"1e999", "-1e999", "1E+400", "9".repeat(400)}) {
            LtpProtocolException e = rejection(() -> codec.decode(
                    "{\"type\":\"state_update\",\"thread_id\":\"t\",\"session_id\":\"s\",\"timestamp\":1,"
                            + "\"payload\":{\"kind\":\"k\",\"data\":" + number + "}}"));
            assertThat(e.code()).as(number).isEqualTo(ErrorCode.MALFORMED_MESSAGE);
        }
    }

    @Test
    @DisplayName("tiny numbers that underflow to zero are still valid JSON")
    void tinyNumbers() {
        Envelope envelope = (Envelope) codec.decode("{\"type\":\"state_update\",\"thread_id\":\"t\",\"session_id\":\"s\","
                + "\"timestamp\":1,\"payload\":{\"kind\":\"k\",\"data\":1e-999}}");
        assertThat(StateUpdatePayload.from(envelope).data().toString()).isEqualTo("1e-999");
    }

    @Test
    @DisplayName("invalid UTF-8 in a binary frame is MALFORMED_MESSAGE")
    void invalidUtf8() {
        byte[] prefix = "{\"type\":\"ping\",\"x\":\"".getBytes(StandardCharsets.US_ASCII);
        for (byte[] bad : new byte[][] {{(byte) 0xC3}, {(byte) 0xFF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}}) {
            byte[] frame = new byte[prefix.length + bad.length + 2];
            System.arraycopy(prefix, 0, frame, 0, prefix.length);
            System.arraycopy(bad, 0, frame, prefix.length, bad.length);
            frame[frame.length - 2] = '"';
            frame[frame.length - 1] = '}';
            LtpProtocolException e = rejection(() -> codec.decode(frame));
            assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_MESSAGE);
            assertThat(e.getMessage()).contains("UTF-8");
        }
    }

    @Test
    @DisplayName("lone surrogates (escaped or raw) decode, and encode back as escapes instead of being lost")
    void loneSurrogates() {
        String escaped = "{\"type\":\"state_update\",\"thread_id\":\"t\",\"session_id\":\"s\",\"timestamp\":1,"
                + "\"payload\":{\"kind\":\"k\",\"data\":\"a\\ud800b\\udc00\"}}";
        Envelope envelope = (Envelope) codec.decode(escaped);
        assertThat(StateUpdatePayload.from(envelope).data().getAsString()).isEqualTo("a\ud800b\udc00");
        assertThat(codec.encode(envelope)).contains("a\\ud800b\\udc00");
        assertThat(codec.decode(codec.encode(envelope))).isEqualTo(envelope);

        String raw = escaped.replace("\\ud800", "\ud800");
        assertThat(StateUpdatePayload.from((Envelope) codec.decode(raw)).data().getAsString()).startsWith("a\ud800");
    }

    @Test
    @DisplayName("control characters must be escaped inside strings")
    void rawControlCharacters() {
        LtpProtocolException e = rejection(() -> codec.decode("{\"type\":\"ping\",\"x\":\"a\u0001b\"}"));
        assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_MESSAGE);
    }

    @Test
    @DisplayName("invalid escapes and truncated input are MALFORMED_MESSAGE with the parser's text in details.error")
    void parserErrorsAreReported() {
        LtpProtocolException e = rejection(() -> codec.decode("{\"type\":\"p\\qing\"}"));
        assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_MESSAGE);
        assertThat(e.detail("error").getAsString()).isNotBlank().doesNotContain("Troubleshooting");
        assertThat(rejection(() -> codec.decode("{\"type\":")).code()).isEqualTo(ErrorCode.MALFORMED_MESSAGE);
        assertThatThrownBy(() -> codec.decode((String) null)).isInstanceOf(NullPointerException.class);
    }
}
