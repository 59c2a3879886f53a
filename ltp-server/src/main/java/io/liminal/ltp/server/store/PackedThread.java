package io.liminal.ltp.server.store;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A thread record without its id, packed into one byte array for {@link InMemoryThreadStore}.
 *
 * <p>Why bytes: a server keeps every thread for the whole thread TTL, so it holds hundreds of thousands of them,
 * and the garbage collector copies each while it is young and traces it at every marking cycle. A record as objects
 * (record, two {@link Instant}s, strings) is seven objects; packed it is one array that holds no references, so the
 * collector copies one object instead of seven and never scans its contents. Reading a thread back (a resume)
 * unpacks it, which is rare next to holding it.
 *
 * <p>Layout: created second (8 bytes), created nano (4), last-active second (8), last-active nano (4), then client
 * id, principal, context tag and affect (as JSON), each as a length (4 bytes, -1 for none) and its UTF-8 bytes.
 */
final class PackedThread {
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final int ACTIVE_SECOND = 12;
    private static final int ACTIVE_NANO = 20;
    private static final int STRINGS = 24;

    private PackedThread() {
    }

    static byte[] pack(ThreadRecord record) {
        byte[] clientId = utf8(record.clientId());
        byte[] principal = utf8(record.principal());
        byte[] contextTag = utf8(record.contextTag());
        byte[] affect = record.affect() == null ? null : utf8(record.affect().toString());
        byte[] packed = new byte[STRINGS + size(clientId) + size(principal) + size(contextTag) + size(affect)];
        LONG.set(packed, 0, record.createdAt().getEpochSecond());
        INT.set(packed, 8, record.createdAt().getNano());
        LONG.set(packed, ACTIVE_SECOND, record.lastActiveAt().getEpochSecond());
        INT.set(packed, ACTIVE_NANO, record.lastActiveAt().getNano());
        int at = put(packed, STRINGS, clientId);
        at = put(packed, at, principal);
        at = put(packed, at, contextTag);
        put(packed, at, affect);
        return packed;
    }

    static ThreadRecord unpack(String threadId, byte[] packed) {
        int[] at = {STRINGS};
        String clientId = string(packed, at);
        String principal = string(packed, at);
        String contextTag = string(packed, at);
        String affect = string(packed, at);
        JsonElement affectJson = affect == null ? null : JsonParser.parseString(affect);
        return new ThreadRecord(threadId, clientId, principal, instant(packed, 0), instant(packed, ACTIVE_SECOND),
                contextTag, affectJson);
    }

    /** Whether the thread was last active before {@code cutoff}, read without unpacking. */
    static boolean idleBefore(byte[] packed, Instant cutoff) {
        long second = (long) LONG.get(packed, ACTIVE_SECOND);
        return second < cutoff.getEpochSecond()
                || second == cutoff.getEpochSecond() && (int) INT.get(packed, ACTIVE_NANO) < cutoff.getNano();
    }

    private static Instant instant(byte[] packed, int offset) {
        return Instant.ofEpochSecond((long) LONG.get(packed, offset), (int) INT.get(packed, offset + 8));
    }

    private static byte[] utf8(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    private static int size(byte[] utf8) {
        return 4 + (utf8 == null ? 0 : utf8.length);
    }

    private static int put(byte[] packed, int at, byte[] utf8) {
        INT.set(packed, at, utf8 == null ? -1 : utf8.length);
        if (utf8 == null) {
            return at + 4;
        }
        System.arraycopy(utf8, 0, packed, at + 4, utf8.length);
        return at + 4 + utf8.length;
    }

    private static String string(byte[] packed, int[] at) {
        int length = (int) INT.get(packed, at[0]);
        at[0] += 4;
        if (length < 0) {
            return null;
        }
        String text = new String(packed, at[0], length, StandardCharsets.UTF_8);
        at[0] += length;
        return text;
    }
}
