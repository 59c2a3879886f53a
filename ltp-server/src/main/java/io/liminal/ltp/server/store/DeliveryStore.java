package io.liminal.ltp.server.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link ThreadStore} keeps for the delivery extension ({@code delivery-v1}, docs/extensions/delivery-v1.md):
 * each thread's numbered log of outbound messages, so a client that reconnects gets what it missed, and the last
 * processed sequence number of each client instance that sends to the thread, so resent messages are recognised.
 *
 * <p>The server completes each handled message with one {@link #commit}: the messages its handler sent and the
 * sender's new position are stored together or not at all (the transactional-outbox property). After a crash
 * either the message is not done and none of its replies were logged, or it is done and all of them were.
 *
 * <p>A store that implements this interface besides {@code ThreadStore} makes the server's delivery guarantees
 * as durable as the store itself. Deleting or evicting a thread deletes its log and positions. Thread-safe; may
 * block like the store. {@code DeliveryStoreContract} in the test sources of {@code ltp-server} is the suite every
 * implementation must pass.
 */
public interface DeliveryStore {

    /**
     * Opens a client instance's delivery on a thread, in one step: from now on messages to the thread are logged,
     * even while it is offline; the instance gets a position (0, recorded by {@code processId}) unless it has one;
     * and both directions' positions are read.
     *
     * @param processId the server process opening it (see {@link InboundCursor#processId()})
     * @return where the instance and the thread's log stand, or {@code null} when the thread is not stored
     */
    DeliveryPosition openDelivery(String threadId, String instance, String processId, Instant now);

    /** Whether {@link #openDelivery} was called for the (still stored) thread. */
    boolean deliveryEnabled(String threadId);

    /**
     * Records, atomically, what handling one message (or one push) produced: appends {@code messages} to the
     * thread's outbound log under the next sequence numbers, in order and without gaps, trims the log to
     * {@code retention}, and, when {@code processed} is given, raises that instance's position (never lowers it)
     * and records who wrote it. Either everything is stored or nothing is. Sequence numbers are never reused,
     * trimming or not.
     *
     * @param messages what to log, in order (may be empty)
     * @param processed the inbound message this completes, or {@code null} for a push
     * @return the sequence number of the first message appended, the others following it; 0 when
     *     {@code messages} is empty, and 0 with nothing stored when the thread is not stored
     */
    long commit(String threadId, List<Outbound> messages, Processed processed, Instant now,
            DeliveryRetention retention);

    /**
     * Stores several commits, of different threads, each exactly as {@link #commit} would: the server groups the
     * commits that wait at the same moment into one call (group commit), so that a store can write them in one
     * transaction or one round trip. Each commit stays all-or-nothing; a store need not make the group atomic.
     *
     * <p>The default commits them one by one.
     *
     * @return per commit, in order, what {@link #commit} returns
     * @throws RuntimeException when a commit failed; any commit of the group may then be stored or not (each
     *     still whole or not at all), and the server re-reads the positions involved before trusting them
     */
    default long[] commitAll(List<Commit> commits) {
        long[] firsts = new long[commits.size()];
        for (int i = 0; i < firsts.length; i++) {
            Commit commit = commits.get(i);
            firsts[i] = commit(commit.threadId(), commit.messages(), commit.processed(), commit.now(),
                    commit.retention());
        }
        return firsts;
    }

    /** Appends one message for every client of the thread or one instance: a {@link #commit} of it alone. */
    default long appendOutbound(String threadId, String message, String targetInstance, Instant now,
            DeliveryRetention retention) {
        return commit(threadId, List.of(new Outbound(message, targetInstance)), null, now, retention);
    }

    /** Logged messages with a sequence number above {@code afterSeq}, oldest first, at most {@code limit}. */
    List<LoggedMessage> outboundAfter(String threadId, long afterSeq, int limit);

    /** The first sequence number still in the log and the last one assigned (both 0 for a fresh thread). */
    LogBounds outboundBounds(String threadId);

    /** The instance's position in the thread; {@link InboundCursor#NONE} when it has none. */
    InboundCursor inboundCursor(String threadId, String instance);

    /**
     * Records that a server process stopped cleanly: every message it handed to a handler was committed. Records
     * older than the store's thread TTL may be forgotten.
     */
    void recordCleanStop(String processId, Instant now);

    /** Whether {@link #recordCleanStop} was called for the process (and not yet forgotten). */
    boolean stoppedCleanly(String processId);

    /**
     * The arguments of one {@link #commit}, for {@link #commitAll}.
     *
     * @param processed the inbound message this completes, or {@code null} for a push
     */
    record Commit(String threadId, List<Outbound> messages, Processed processed, Instant now,
            DeliveryRetention retention) {
        public Commit {
            Objects.requireNonNull(threadId, "threadId");
            messages = List.copyOf(messages);
            Objects.requireNonNull(now, "now");
            Objects.requireNonNull(retention, "retention");
        }
    }

    /**
     * A message to log.
     *
     * @param message the message as it will be replayed (the server's unstamped envelope)
     * @param targetInstance the client instance it is for, or {@code null} for every client of the thread
     */
    record Outbound(String message, String targetInstance) {
        public Outbound {
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * The inbound message a {@link #commit} completes.
     *
     * @param instance the sending client instance
     * @param seq its sequence number: the instance's new position
     * @param processId the server process that handled it
     */
    record Processed(String instance, long seq, String processId) {
        public Processed {
            Objects.requireNonNull(instance, "instance");
            Objects.requireNonNull(processId, "processId");
        }
    }

    /**
     * A client instance's position in a thread.
     *
     * @param seq the highest sequence number processed (0: none)
     * @param processId the server process that recorded the position, or {@code null} when unknown (no position,
     *     or one written by a version that did not record it)
     */
    record InboundCursor(long seq, String processId) {
        /** No position. */
        public static final InboundCursor NONE = new InboundCursor(0, null);
    }

    /**
     * Where a client instance and the thread's log stand when its delivery is opened.
     *
     * @param inbound the instance's position
     * @param outbound the thread's log
     */
    record DeliveryPosition(InboundCursor inbound, LogBounds outbound) {
    }

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
