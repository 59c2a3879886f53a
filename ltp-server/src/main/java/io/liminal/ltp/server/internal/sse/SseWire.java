package io.liminal.ltp.server.internal.sse;

import com.google.gson.JsonPrimitive;
import io.liminal.ltp.server.transport.HttpReply;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * The sse-v1 binding's wire rules (docs/extensions/sse-v1.md) that do not depend on the HTTP stack: path, headers,
 * event ids, post bodies and error answers. Shared by every server transport that serves the binding.
 */
public final class SseWire {
    /** The binding's path on the server's origin. */
    public static final String PATH = "/ltp/sse";
    /** The capability a server that serves the binding lists in its acks. */
    public static final String CAPABILITY = "sse-v1";
    public static final String TOKEN_HEADER = "LTP-Token";
    public static final String POST_SEQ_HEADER = "LTP-Post-Seq";
    public static final String LAST_EVENT_HEADER = "LTP-Last-Event-Id";
    /** The header of a reopened stream (the SSE standard's). */
    public static final String LAST_EVENT_ID = "Last-Event-ID";
    public static final String EVENT_STREAM_TYPE = "text/event-stream; charset=utf-8";
    public static final HttpReply ACCEPTED = new HttpReply(204, "application/json", "");
    public static final HttpReply UNKNOWN_CONNECTION = error(404, "unknown connection");
    public static final HttpReply BUSY = error(429, "busy: retry this post later");
    public static final HttpReply DRAINING = error(503, "draining");
    public static final HttpReply ORIGIN_REFUSED = error(403, "origin not allowed");
    public static final HttpReply NOT_UTF8 = error(400, "the body is not valid UTF-8");
    /** base64url of a token's 16 bytes, without padding. */
    static final int TOKEN_CHARS = 22;
    private static final VarHandle WORDS = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final ThreadLocal<CharsetDecoder> STRICT = ThreadLocal.withInitial(
            StandardCharsets.UTF_8::newDecoder);

    private SseWire() {
    }

    /** An error answer with a JSON body {@code {"error": message}}. */
    public static HttpReply error(int status, String message) {
        return new HttpReply(status, "application/json", "{\"error\":" + jsonString(message) + "}");
    }

    /** {@code text} as a JSON string literal. */
    public static String jsonString(String text) {
        return new JsonPrimitive(text).toString();
    }

    /** The token part of an event id {@code <token>.<n>}, or {@code null} when the id is not of that form. */
    public static String tokenOf(String eventId) {
        int dot = eventId.indexOf('.');
        return dot == TOKEN_CHARS ? eventId.substring(0, dot) : null;
    }

    /** The number part of an event id {@code <token>.<n>}, or -1. */
    public static long eventNumber(String eventId) {
        int dot = eventId.indexOf('.');
        return dot == TOKEN_CHARS ? nonNegative(eventId.substring(dot + 1)) : -1;
    }

    /** A header's positive decimal value, or -1. */
    static long positive(String digits) {
        long value = nonNegative(digits.trim());
        return value > 0 ? value : -1;
    }

    private static long nonNegative(String digits) {
        if (digits.isEmpty() || digits.length() > 18) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /** Whether a post body's {@code Content-Type} is the one-message-per-line form. */
    static boolean isLines(String contentType) {
        if (contentType == null) {
            return false;
        }
        int parameters = contentType.indexOf(';');
        return (parameters < 0 ? contentType : contentType.substring(0, parameters)).trim().toLowerCase(Locale.ROOT)
                .equals("application/x-ndjson");
    }

    /**
     * A post body's messages: the whole body, or one per non-blank line; false when it is not valid UTF-8. Reads
     * {@code body} between its position and limit without moving them.
     */
    static boolean split(ByteBuffer body, boolean lines, List<String> messages, List<Integer> sizes) {
        // One bulk copy: HTTP stacks hand bodies over in direct buffers, which are slow to scan byte by byte.
        byte[] bytes = new byte[body.remaining()];
        body.duplicate().get(bytes);
        int end = bytes.length;
        int start = 0;
        while (start < end) {
            int lineEnd = lines ? indexOf(bytes, start, end, (byte) '\n') : -1;
            int stop = lineEnd < 0 ? end : lineEnd;
            int length = stop - start;
            if (length > 0 && bytes[stop - 1] == '\r') {
                length--;
            }
            if (!isBlank(bytes, start, start + length)) {
                String text = decode(bytes, start, length);
                if (text == null) {
                    return false;
                }
                messages.add(text);
                sizes.add(length);
            }
            start = stop + 1;
        }
        return true;
    }

    /** The text of {@code bytes} (strict UTF-8), or {@code null} when it is not valid UTF-8. */
    public static String decode(ByteBuffer bytes) {
        byte[] copy = new byte[bytes.remaining()];
        bytes.duplicate().get(copy);
        return decode(copy, 0, copy.length);
    }

    /** Pure ASCII, the usual case, becomes a string without a decoder; anything else is decoded strictly. */
    private static String decode(byte[] bytes, int offset, int length) {
        if (isAscii(bytes, offset, length)) {
            return new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
        }
        try {
            return STRICT.get().reset().decode(ByteBuffer.wrap(bytes, offset, length)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static boolean isAscii(byte[] bytes, int offset, int length) {
        int i = offset;
        int end = offset + length;
        for (; i + Long.BYTES <= end; i += Long.BYTES) {
            if (((long) WORDS.get(bytes, i) & HIGH_BITS) != 0) {
                return false;
            }
        }
        for (; i < end; i++) {
            if (bytes[i] < 0) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] bytes, int from, int to, byte value) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == value) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isBlank(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = bytes[i];
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }
}
