package io.liminal.ltp.server.store;

import java.time.Instant;
import java.util.List;

/**
 * What a {@link ThreadStore} keeps for the delivery extension ({@code delivery-v1}, docs/extensions/delivery-v1.md):
 * each thread's numbered log of outbound messages, so a client that reconnects gets what it missed, and the last
 * processed sequence number of each client instance that sends to the thread, so resent messages are recognised.
 *
 * <p>A store that implements this interface besides {@code ThreadStore} makes the server's delivery guarantees
 * as durable as the store itself. Deleting or evicting a thread deletes its log and cursors. Thread-safe; may block
 * like the store. {@code DeliveryStoreContract} in the test sources of {@code ltp-server} is the suite every
 * implementation must pass.
 */
public interface DeliveryStore {

    /** Marks the thread as using the extension: from now on messages to it are logged, even while it is offline. */
    void enableDelivery(String threadId);

    /** Whether {@link #enableDelivery} was called for the (still stored) thread. */
    boolean deliveryEnabled(String threadId);

    /**
     * Appends a message to the thread's outbound log under the next sequence number (1 for the first), then trims
     * the log to {@code retention}. Sequence numbers are never reused, trimming or not.
     *
     * @param message the message as it will be replayed (the server's unstamped envelope)
     * @param targetInstance the client instance the message is for, or {@code null} for every client of the thread
     * @return the message's sequence number, or 0 when the thread is not stored
     */
    long appendOutbound(String threadId, String message, String targetInstance, Instant now,
            DeliveryRetention retention);

    /** Logged messages with a sequence number above {@code afterSeq}, oldest first, at most {@code limit}. */
    List<LoggedMessage> outboundAfter(String threadId, long afterSeq, int limit);

    /** The first sequence number still in the log and the last one assigned (both 0 for a fresh thread). */
    LogBounds outboundBounds(String threadId);

    /** The last processed sequence number of {@code instance}'s messages to the thread; 0 when none. */
    long inboundCursor(String threadId, String instance);

    /** Records that {@code instance}'s messages up to {@code seq} are processed; never lowers a cursor. */
    void commitInbound(String threadId, String instance, long seq, Instant now);

    /**
     * One logged outbound message.
     *
     * @param seq its sequence number in the thread
     * @param message the message text as appended
     * @param targetInstance the client instance it is for, or {@code null} for all
     * @param loggedAt when it was appended
     */
    record LoggedMessage(long seq, String message, String targetInstance, Instant loggedAt) {
    }

    /**
     * The range of an outbound log.
     *
     * @param firstKept the lowest sequence number still kept; {@code last + 1} when the log is empty
     * @param last the last sequence number assigned; 0 when none was
     */
    record LogBounds(long firstKept, long last) {
        /** A thread that never logged anything. */
        public static final LogBounds EMPTY = new LogBounds(1, 0);
    }
}
