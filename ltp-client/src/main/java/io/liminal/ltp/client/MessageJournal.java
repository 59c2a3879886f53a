package io.liminal.ltp.client;

import java.util.List;

/**
 * Keeps the messages of the offline buffer across a process restart. The client appends each message it buffers
 * (in order, with increasing sequence numbers) and removes messages in order once they are written to a live
 * session; after a restart it sends whatever {@link #load()} returns before anything new.
 *
 * <p>Called only from the client's lane, one call at a time.
 */
public interface MessageJournal extends AutoCloseable {

    /**
     * One kept message.
     *
     * @param sequence its sequence number
     * @param message the envelope as JSON with empty {@code thread_id} and {@code session_id} (the real ids are
     *     stamped when it is sent)
     */
    record Entry(long sequence, String message) {
    }

    /** The messages kept from earlier runs, oldest first. */
    List<Entry> load();

    /** Keeps a message. */
    void append(long sequence, String message);

    /** Forgets every message with a sequence number up to and including {@code sequence}. */
    void removeThrough(long sequence);

    /**
     * A stable id for the client instance whose messages the journal keeps, or {@code null} (then each client
     * object is its own instance). Under the delivery extension the server numbers-checks messages per instance, so
     * an id that survives a restart must come with {@link #lastSequence()} surviving it too.
     */
    default String instanceId() {
        return null;
    }

    /** The highest sequence number ever appended, also after its message was removed (0 when none). */
    default long lastSequence() {
        List<Entry> entries = load();
        return entries.isEmpty() ? 0 : entries.get(entries.size() - 1).sequence();
    }

    /** Releases the journal's resources. */
    @Override
    void close();
}
