package io.liminal.ltp.server.store;

import io.liminal.ltp.server.store.DeliveryStore.LoggedMessage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One thread's outbound log in the in-memory store, packed: message texts as UTF-8 in shared byte chunks, the rest
 * in parallel primitive arrays. A retained log is long-lived and large (10,000 messages per thread by default), and
 * kept as one record, string and instant per message it made the collector copy and mark four objects per message;
 * packed, a thread's log is a few dozen arrays whatever its length (docs/performance.md, Durable path).
 *
 * <p>Entries are a ring indexed by sequence number, so a replay from any point costs only what it reads. A message
 * never spans two chunks; chunks grow from {@link #FIRST_CHUNK} to {@link #MAX_CHUNK} bytes, so a thread that logs
 * little holds little. Not thread-safe: the store guards each log with its own monitor.
 */
final class PackedLog {
    static final int FIRST_CHUNK = 256;
    static final int MAX_CHUNK = 32 * 1024;
    private static final int FIRST_CAPACITY = 8;

    /** Sequence number of the oldest entry (of the next one when empty). */
    private long firstSeq = 1;
    private int count;
    private long bytes;

    // The entries' ring: entry i (0 = oldest) is at (head + i) & (capacity - 1).
    private int head;
    private int[] chunkOf = new int[FIRST_CAPACITY];
    private int[] offset = new int[FIRST_CAPACITY];
    private int[] length = new int[FIRST_CAPACITY];
    private long[] loggedAtMillis = new long[FIRST_CAPACITY];
    private String[] target = new String[FIRST_CAPACITY];

    /** Chunk number {@code firstChunk + i} is {@code chunks.get(i)}; the last one is being filled. */
    private final List<byte[]> chunks = new ArrayList<>();
    private int firstChunk;
    private int fill;

    /** Number of messages kept. */
    int size() {
        return count;
    }

    /** UTF-8 bytes of the messages kept. */
    long bytes() {
        return bytes;
    }

    /** Sequence number of the oldest message kept; {@code lastSeq + 1} when none is. */
    long firstSeq() {
        return firstSeq;
    }

    /** Appends a message under sequence number {@link #firstSeq()} + {@link #size()}. */
    void append(String message, String targetInstance, Instant loggedAt) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        if (count == chunkOf.length) {
            resize(chunkOf.length * 2);
        }
        byte[] chunk = chunks.isEmpty() ? null : chunks.get(chunks.size() - 1);
        if (chunk == null || chunk.length - fill < text.length) {
            int previous = chunk == null ? FIRST_CHUNK / 2 : chunk.length;
            chunk = new byte[Math.max(text.length, Math.min(MAX_CHUNK, previous * 2))];
            chunks.add(chunk);
            fill = 0;
        }
        System.arraycopy(text, 0, chunk, fill, text.length);
        int slot = slot(count);
        chunkOf[slot] = firstChunk + chunks.size() - 1;
        offset[slot] = fill;
        length[slot] = text.length;
        loggedAtMillis[slot] = loggedAt.toEpochMilli();
        target[slot] = targetInstance;
        fill += text.length;
        bytes += text.length;
        count++;
    }

    /** When the oldest message was logged, in epoch milliseconds; the log must not be empty. */
    long oldestLoggedAtMillis() {
        return loggedAtMillis[head];
    }

    /** Drops the oldest message; the log must not be empty. */
    void removeOldest() {
        bytes -= length[head];
        target[head] = null;
        head = (head + 1) & (chunkOf.length - 1);
        count--;
        firstSeq++;
        // Chunks before the new oldest message's (or, when empty, all but the one being filled) are free.
        int keepFrom = count == 0 ? firstChunk + chunks.size() - 1 : chunkOf[head];
        if (keepFrom > firstChunk) {
            chunks.subList(0, keepFrom - firstChunk).clear();
            firstChunk = keepFrom;
        }
        if (count < chunkOf.length / 4 && chunkOf.length > FIRST_CAPACITY * 4) {
            resize(chunkOf.length / 2); // a log trimmed by age gives its ring back
        }
    }

    /** Messages with a sequence number above {@code afterSeq}, oldest first, at most {@code limit}. */
    List<LoggedMessage> after(long afterSeq, int limit) {
        long from = Math.max(0, afterSeq + 1 - firstSeq);
        int n = (int) Math.max(0, Math.min(limit, count - from));
        List<LoggedMessage> messages = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int index = (int) from + i;
            int slot = slot(index);
            byte[] chunk = chunks.get(chunkOf[slot] - firstChunk);
            messages.add(new LoggedMessage(firstSeq + index,
                    new String(chunk, offset[slot], length[slot], StandardCharsets.UTF_8), target[slot],
                    Instant.ofEpochMilli(loggedAtMillis[slot])));
        }
        return messages;
    }

    /** Chunks held (for tests). */
    int chunkCount() {
        return chunks.size();
    }

    /** Entries the ring can hold before it grows (for tests). */
    int capacity() {
        return chunkOf.length;
    }

    private int slot(int index) {
        return (head + index) & (chunkOf.length - 1);
    }

    private void resize(int capacity) {
        int[] newChunkOf = new int[capacity];
        int[] newOffset = new int[capacity];
        int[] newLength = new int[capacity];
        long[] newLoggedAt = new long[capacity];
        String[] newTarget = new String[capacity];
        for (int i = 0; i < count; i++) {
            int slot = slot(i);
            newChunkOf[i] = chunkOf[slot];
            newOffset[i] = offset[slot];
            newLength[i] = length[slot];
            newLoggedAt[i] = loggedAtMillis[slot];
            newTarget[i] = target[slot];
        }
        chunkOf = newChunkOf;
        offset = newOffset;
        length = newLength;
        loggedAtMillis = newLoggedAt;
        target = newTarget;
        head = 0;
    }
}
