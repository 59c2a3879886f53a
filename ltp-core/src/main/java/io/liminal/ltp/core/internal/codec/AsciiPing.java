package io.liminal.ltp.core.internal.codec;

import io.liminal.ltp.core.codec.Limits;
import io.liminal.ltp.core.internal.json.TreeParser;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.MessageTypes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The session's plain ping read straight from the bytes of an ASCII text message, before any {@code String} exists:
 * the head ({@code {"type":"ping","thread_id":"…","session_id":"…","timestamp":}) is one vectorized comparison
 * against the session's, and the payload is checked with a byte scanner. Heartbeats are most of what a server
 * reads; this saves building their text, and reading it again char by char.
 *
 * <p>The scanner accepts a subset of what the general grammar accepts: objects, arrays, strings without escapes,
 * literals, and numbers without an exponent, within the payload depth limit. For anything else it gives up and the
 * caller decodes the text as usual, so every outcome (message, error, gate calls) is the general path's.
 */
final class AsciiPing {
    private static final byte[] PAYLOAD_MEMBER = ",\"payload\":".getBytes(StandardCharsets.US_ASCII);
    /** Integers of up to 18 digits fit a long; longer timestamps take the general path. */
    private static final int MAX_TIMESTAMP_DIGITS = 18;
    /** Longer numbers might overflow a double, which the general path rejects. */
    private static final int MAX_NUMBER_CHARS = 300;
    /** Larger pings are rare enough to take the general path; the scratch array stays small. */
    static final int MAX_BYTES = 16 * 1024;
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[1024]);
    private static final int GIVE_UP = -1;

    private AsciiPing() {
    }

    /** {@code {"type":"ping","thread_id":"<thread>","session_id":"<session>","timestamp":} for plain ids. */
    static byte[] head(String threadId, String sessionId) {
        return ("{\"type\":\"ping\",\"thread_id\":\"" + threadId + "\",\"session_id\":\"" + sessionId
                + "\",\"timestamp\":").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The ping in {@code ascii} (position to limit, every byte below 0x80), or {@code null} when the message is not
     * a plain ping of this session that the scanner can vouch for. Does not move the buffer's position.
     */
    static Envelope decode(ByteBuffer ascii, byte[] head, Limits limits, FrameDecoder.Gate gate) {
        int length = ascii.remaining();
        // As in the text path: too short for any string to break the string limit.
        if (length > MAX_BYTES || length > limits.maxStringBytes() / 3 || length < head.length) {
            return null;
        }
        byte[] bytes = SCRATCH.get();
        if (bytes.length < length) {
            bytes = new byte[Math.max(length, 2 * bytes.length)];
            SCRATCH.set(bytes);
        }
        ascii.get(ascii.position(), bytes, 0, length);
        if (!Arrays.equals(bytes, 0, head.length, head, 0, head.length)) {
            return null;
        }
        int digitsStart = head.length;
        int p = digitsStart;
        long timestamp = 0;
        while (p < length && p - digitsStart <= MAX_TIMESTAMP_DIGITS && isDigit(bytes[p])) {
            timestamp = timestamp * 10 + (bytes[p] - '0');
            p++;
        }
        int digits = p - digitsStart;
        if (digits == 0 || digits > MAX_TIMESTAMP_DIGITS || digits > 1 && bytes[digitsStart] == '0'
                || p + PAYLOAD_MEMBER.length > length
                || !Arrays.equals(bytes, p, p + PAYLOAD_MEMBER.length, PAYLOAD_MEMBER, 0, PAYLOAD_MEMBER.length)) {
            return null;
        }
        int maxDepth = Math.min(limits.maxPayloadDepth(), limits.maxNestingDepth());
        int end = skipPayload(bytes, p + PAYLOAD_MEMBER.length, length - 1, maxDepth);
        if (end != length - 1 || bytes[end] != '}') {
            return null;
        }
        String thread = gate.likelyString1();
        String session = gate.likelyString2();
        gate.onType(MessageTypes.PING);
        gate.onIds(MessageTypes.PING, thread, session);
        Envelope envelope = new Envelope(MessageTypes.PING, thread, session, timestamp, null,
                TreeParser.DISCARDED_PAYLOAD, null, null, null, null);
        gate.beforePayload(envelope);
        return envelope;
    }

    /**
     * Skips the payload object that starts at {@code from}; returns where it ends (one past its {@code '}'}), or
     * {@link #GIVE_UP}. Reads no further than {@code end}. The payload object is depth 1, as in the general parser.
     */
    private static int skipPayload(byte[] b, int from, int end, int maxDepth) {
        if (from >= end || b[from] != '{') {
            return GIVE_UP;
        }
        // Bit d of objects: whether the container at depth d is an object; depth is at most 63 here.
        if (maxDepth > 63) {
            return GIVE_UP;
        }
        long objects = 1L << 1;
        int depth = 1;
        int p = from + 1;
        boolean first = true; // right after a container opened: it may close at once
        while (true) {
            p = skipWhitespace(b, p, end);
            if (p >= end) {
                return GIVE_UP;
            }
            byte c = b[p];
            boolean inObject = (objects & (1L << depth)) != 0;
            if (c == (inObject ? '}' : ']')) {
                p++;
                if (--depth == 0) {
                    return p;
                }
                first = false;
                continue;
            }
            if (!first) { // after a value: a comma, then the next member or element
                if (c != ',') {
                    return GIVE_UP;
                }
                p = skipWhitespace(b, p + 1, end);
                if (p >= end) {
                    return GIVE_UP;
                }
                c = b[p];
            }
            if (inObject) {
                if (c != '"' || (p = skipString(b, p, end)) < 0) {
                    return GIVE_UP;
                }
                p = skipWhitespace(b, p, end);
                if (p >= end || b[p] != ':') {
                    return GIVE_UP;
                }
                p = skipWhitespace(b, p + 1, end);
                if (p >= end) {
                    return GIVE_UP;
                }
                c = b[p];
            }
            first = false;
            switch (c) {
                case '{', '[' -> {
                    if (++depth > maxDepth) {
                        return GIVE_UP;
                    }
                    objects = c == '{' ? objects | (1L << depth) : objects & ~(1L << depth);
                    first = true;
                    p++;
                }
                case '"' -> p = skipString(b, p, end);
                case 't' -> p = literal(b, p, end, "true");
                case 'f' -> p = literal(b, p, end, "false");
                case 'n' -> p = literal(b, p, end, "null");
                default -> p = skipNumber(b, p, end);
            }
            if (p < 0) {
                return GIVE_UP;
            }
        }
    }

    private static int skipWhitespace(byte[] b, int p, int end) {
        while (p < end && (b[p] == ' ' || b[p] == '\n' || b[p] == '\r' || b[p] == '\t')) {
            p++;
        }
        return p;
    }

    /** A string without escapes or control characters from the quote at {@code p}; one past its closing quote. */
    private static int skipString(byte[] b, int p, int end) {
        int special = TreeParser.nextSpecialByte(b, p + 1, end);
        return special < end && b[special] == '"' ? special + 1 : GIVE_UP;
    }

    private static int literal(byte[] b, int p, int end, String word) {
        if (p + word.length() > end) {
            return GIVE_UP;
        }
        for (int i = 0; i < word.length(); i++) {
            if (b[p + i] != word.charAt(i)) {
                return GIVE_UP;
            }
        }
        return p + word.length();
    }

    /** An RFC 8259 number without an exponent: {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?}. */
    private static int skipNumber(byte[] b, int p, int end) {
        int start = p;
        if (p < end && b[p] == '-') {
            p++;
        }
        if (p >= end || !isDigit(b[p])) {
            return GIVE_UP;
        }
        if (b[p] == '0') {
            p++;
        } else {
            while (p < end && isDigit(b[p])) {
                p++;
            }
        }
        if (p < end && b[p] == '.') {
            p++;
            if (p >= end || !isDigit(b[p])) {
                return GIVE_UP;
            }
            while (p < end && isDigit(b[p])) {
                p++;
            }
        }
        if (p < end && (b[p] == 'e' || b[p] == 'E' || isDigit(b[p])) || p - start > MAX_NUMBER_CHARS) {
            return GIVE_UP; // an exponent, or a leading zero followed by digits
        }
        return p;
    }

    private static boolean isDigit(byte c) {
        return c >= '0' && c <= '9';
    }
}
