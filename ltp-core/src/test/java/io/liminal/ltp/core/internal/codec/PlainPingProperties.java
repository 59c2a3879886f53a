package io.liminal.ltp.core.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.core.ErrorCode;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.codec.Limits;
import io.liminal.ltp.core.internal.json.TreeParser;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.LtpMessage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The decoder's fast path for a session's plain ping against its general path: for every text, the same message or
 * the same error, and the same calls to the gate in the same order.
 */
class PlainPingProperties {
    private static final String THREAD = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    private static final String SESSION = "a8f5f167-d5a1-4c42-9e12-3d8f72e6b5c1";
    private static final String PLAIN = "{\"type\":\"ping\",\"thread_id\":\"" + THREAD + "\",\"session_id\":\"" + SESSION
            + "\",\"timestamp\":1731600000,\"payload\":{\"pad\":\"xxxxxxxxxxxxxxxxxxxx\",\"n\":[1,{\"a\":null}]}}";

    @Property(tries = 4000)
    @Label("the fast path decodes exactly what the general path decodes, with the same gate calls")
    void agreesWithGeneralPath(@ForAll("pings") String text) {
        Outcome fast = decode(text, true);
        Outcome general = decode(text, false);
        assertThat(fast).as(text).isEqualTo(general);
    }

    @Property(tries = 4000)
    @Label("read from ASCII bytes, a ping decodes exactly as its text does on the general path, with the same gate calls")
    void bytesAgreeWithGeneralPath(@ForAll("pings") String text) {
        if (!text.chars().allMatch(c -> c < 0x80)) {
            return; // the transport hands over bytes only when they are all ASCII
        }
        RecordingGate gate = new RecordingGate(true);
        Outcome fromBytes = Outcome.of(() -> FrameDecoder.decodeAscii(asciiAt(text, 7, false), Limits.defaults(),
                gate, true), gate);
        assertThat(fromBytes).as(text).isEqualTo(decode(text, false));
    }

    /** The text's bytes from position {@code offset} of a larger (heap or direct) buffer. */
    private static ByteBuffer asciiAt(String text, int offset, boolean direct) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer buffer = direct ? ByteBuffer.allocateDirect(offset + bytes.length + 3)
                : ByteBuffer.allocate(offset + bytes.length + 3);
        buffer.position(offset);
        buffer.put(bytes);
        buffer.put(new byte[] {'}', '}', ' '}); // beyond the limit: must not be read
        return buffer.position(offset).limit(offset + bytes.length);
    }

    @Example
    @Label("from bytes, the usual shapes are read without a string; what the scanner cannot vouch for falls back")
    void bytesTakeTheFastPathForPlainPings() {
        byte[] head = FrameDecoder.plainPingHead(THREAD, SESSION);
        for (String plain : new String[] {PLAIN, PLAIN.replace("1731600000", "0"), PLAIN.replace("{\"pad\"", "{ \"pad\""),
                PLAIN.replace("[1,", "[ -0.5 , true,false,null,[],{},\"\","), PLAIN.replace("\"pad\":\"xxxxxxxxxxxxxxxxxxxx\",\"n\":[1,{\"a\":null}]", "")}) {
            ByteBuffer ascii = asciiAt(plain, 3, true);
            assertThat(AsciiPing.decode(ascii, head, Limits.defaults(), new RecordingGate(true))).as(plain).isNotNull();
            assertThat(ascii.position()).isEqualTo(3);
        }
        for (String other : new String[] {PLAIN.replace("xxxx", "\\\"x"), PLAIN.replace("[1,", "[1e3,"),
                PLAIN.replace("[1,", "[01,"), PLAIN.replace("[1,", "[1.,"), PLAIN.replace("[1,", "[1,]"),
                PLAIN.replace("null", "nul"), PLAIN.replace("{\"a\"", "{\"a\",\"b\""), PLAIN.replace("}}", "} }"),
                PLAIN.replace("{\"pad\"", "{\"d\":".repeat(9) + "{\"pad\"").replace("}}", "}".repeat(11)),
                PLAIN.replace(SESSION, "other"), PLAIN.replace("1731600000", "01")}) {
            assertThat(AsciiPing.decode(asciiAt(other, 0, false), head, Limits.defaults(), new RecordingGate(true)))
                    .as(other).isNull();
        }
        Limits small = Limits.builder().maxStringBytes(3 * PLAIN.length() - 1).build();
        assertThat(AsciiPing.decode(asciiAt(PLAIN, 0, false), head, small, new RecordingGate(true))).isNull();
        String large = PLAIN.replace("xxxx", "x".repeat(AsciiPing.MAX_BYTES));
        assertThat(AsciiPing.decode(asciiAt(large, 0, false), head, Limits.defaults(), new RecordingGate(true)))
                .isNull();
        assertThat(FrameDecoder.plainPingHead(THREAD, "séssion")).isNull();
        assertThat(FrameDecoder.plainPingHead("thread \"1\"", SESSION)).isNull();
    }

    @Example
    @Label("the usual shapes take the fast path; anything else falls back")
    void takesTheFastPathForPlainPings() {
        assertThat(FrameDecoder.plainPing(PLAIN, Limits.defaults(), new RecordingGate(true))).isNotNull();
        assertThat(FrameDecoder.plainPing(PLAIN.replace("1731600000", "0"), Limits.defaults(), new RecordingGate(true)))
                .isNotNull();
        assertThat(FrameDecoder.plainPing(PLAIN.replace("{\"pad\"", "{ \"pad\""), Limits.defaults(),
                new RecordingGate(true))).isNotNull();
        for (String other : new String[] {PLAIN.replace("1731600000", "01"), PLAIN.replace("1731600000", "-1"),
                PLAIN.replace("1731600000", "1.5"), PLAIN.replace("1731600000", "1234567890123456789"),
                PLAIN.replace("}}", "},\"meta\":{}}"), PLAIN + " ", PLAIN.replace("\"payload\":{", "\"payload\":[")
                        .replace("]}}", "]}]}"), PLAIN.replace(THREAD, "other"), PLAIN.replace("xxxx", "\u0001")}) {
            assertThat(FrameDecoder.plainPing(other, Limits.defaults(), new RecordingGate(true))).as(other).isNull();
        }
        Limits small = Limits.builder().maxStringBytes(3 * PLAIN.length() - 1).build();
        assertThat(FrameDecoder.plainPing(PLAIN, small, new RecordingGate(true))).isNull();
        assertThat(FrameDecoder.isPlainId(THREAD)).isTrue();
        assertThat(FrameDecoder.isPlainId("thread \"1\"")).isFalse();
        assertThat(FrameDecoder.isPlainId("séssion")).isFalse();
        assertThat(FrameDecoder.isPlainId("back\\slash")).isFalse();
    }

    @Example
    @Label("on the fast path the gate still refuses: a signature check failing there is the general path's error")
    void gateStillRules() {
        RecordingGate refusing = new RecordingGate(true) {
            @Override
            public void beforePayload(Envelope envelope) {
                super.beforePayload(envelope);
                throw new LtpProtocolException(ErrorCode.INVALID_SIGNATURE, "Missing signature");
            }
        };
        Outcome outcome = Outcome.of(() -> FrameDecoder.decode(PLAIN, -1, Limits.defaults(), refusing, true), refusing);
        assertThat(outcome.error).isEqualTo("INVALID_SIGNATURE Missing signature {}");
        assertThat(outcome.calls).containsExactly("type ping", "ids ping " + THREAD + " " + SESSION, "before ping");
    }

    private static Outcome decode(String text, boolean fastPathAllowed) {
        RecordingGate gate = new RecordingGate(fastPathAllowed);
        return Outcome.of(() -> FrameDecoder.decode(text, -1, Limits.defaults(), gate, true), gate);
    }

    @Provide
    Arbitrary<String> pings() {
        Arbitrary<String> base = Arbitraries.of(PLAIN, PLAIN.replace("1731600000", "0"),
                PLAIN.replace("1731600000", "999999999999999999"), PLAIN.replace("1731600000", "1000000000000000000"),
                PLAIN.replace("\"pad\":\"xxxxxxxxxxxxxxxxxxxx\",\"n\":[1,{\"a\":null}]", ""),
                PLAIN.replace("{\"pad\"", "{\"d\":".repeat(9) + "{\"pad\"").replace("}}", "}".repeat(11)),
                PLAIN.replace("{\"pad\"", "{\"d\":".repeat(10) + "{\"pad\"").replace("}}", "}".repeat(12)),
                PLAIN.replace("xxxx", "\\\"\\\\\\u00e9\u0122\u015C"));
        Arbitrary<Character> noise = Arbitraries.of('{', '}', '[', ']', '"', ',', ':', '\\', '0', '1', '-', '.', 'e',
                'n', 'u', 'l', 't', 'x', ' ', '\n', '\u0001', '\u0122', '\u015C');
        return base.flatMap(text -> Arbitraries.integers().between(0, 2).flatMap(count -> {
            if (count == 0) {
                return Arbitraries.just(text);
            }
            return Arbitraries.integers().between(0, text.length()).list().ofSize(count).flatMap(positions ->
                    noise.list().ofSize(count).map(chars -> {
                        StringBuilder mutated = new StringBuilder(text);
                        for (int i = 0; i < count; i++) {
                            int at = Math.min(positions.get(i), mutated.length());
                            if (i % 2 == 0 && at < mutated.length()) {
                                mutated.setCharAt(at, chars.get(i));
                            } else {
                                mutated.insert(at, chars.get(i));
                            }
                        }
                        return mutated.toString();
                    }));
        }));
    }

    /** What a decode produced: the message's fields or the error, and the gate's calls. */
    private record Outcome(String message, String error, List<String> calls) {
        static Outcome of(java.util.function.Supplier<LtpMessage> decode, RecordingGate gate) {
            try {
                LtpMessage message = decode.get();
                return new Outcome(describe(message), null, gate.calls);
            } catch (LtpProtocolException e) {
                return new Outcome(null, e.code() + " " + e.getMessage() + (e.details() == null ? "" : " " + e.details()),
                        gate.calls);
            }
        }

        private static String describe(LtpMessage message) {
            if (!(message instanceof Envelope e)) {
                return String.valueOf(message);
            }
            return String.join("|", e.type(), e.threadId(), e.sessionId(), Long.toString(e.timestamp()),
                    String.valueOf(e.contentEncoding()), e.payload() == TreeParser.DISCARDED_PAYLOAD ? "discarded"
                            : String.valueOf(e.payload()), String.valueOf(e.meta()), String.valueOf(e.nonce()),
                    String.valueOf(e.signature()), String.valueOf(e.extraFields()),
                    Boolean.toString(Objects.equals(e.threadId(), THREAD) && e.threadId() == THREAD));
        }
    }

    /** The server's gate for a bound session, recording every call. */
    private static class RecordingGate implements FrameDecoder.Gate {
        final List<String> calls = new ArrayList<>();
        private final boolean fastPathAllowed;

        RecordingGate(boolean fastPathAllowed) {
            this.fastPathAllowed = fastPathAllowed;
        }

        @Override
        public String likelyString1() {
            return THREAD;
        }

        @Override
        public String likelyString2() {
            return SESSION;
        }

        @Override
        public byte[] plainPingHead() {
            return fastPathAllowed ? FrameDecoder.plainPingHead(THREAD, SESSION) : null;
        }

        @Override
        public void onType(String type) {
            calls.add("type " + type);
        }

        @Override
        public void onIds(String type, String threadId, String sessionId) {
            calls.add("ids " + type + " " + threadId + " " + sessionId);
        }

        @Override
        public void beforePayload(Envelope envelope) {
            calls.add("before " + envelope.type());
        }
    }
}
