package io.liminal.ltp.server.internal.engine;

import com.google.gson.JsonElement;
import io.liminal.ltp.core.concurrent.SerialExecutor;
import io.liminal.ltp.core.message.Meta;
import io.liminal.ltp.server.store.ThreadRecord;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A thread with live connections: its connections, the lane its handler calls run on (so they stay ordered even
 * across connections), the activity not yet written back to the store, and its delivery-extension state. A push
 * to an offline thread makes a dormant one (no record, no connections) so that it shares the lane with a
 * connection that resumes at the same moment.
 */
final class LiveThread {
    private final String threadId;
    /** The stored record; {@code null} while dormant. */
    volatile ThreadRecord base;
    final SerialExecutor lane;
    final List<EngineConnection> connections = new CopyOnWriteArrayList<>();
    final List<EngineConnection> paused = new CopyOnWriteArrayList<>();
    private volatile long lastActiveMillis;
    private volatile String contextTag;
    private volatile JsonElement affect;
    private volatile boolean dirty;

    /** Tasks counted in by {@link ThreadRegistry#onLane} and not yet started. */
    final AtomicInteger pendingTasks = new AtomicInteger();
    /**
     * Client messages queued for the handler and not yet completed: what backpressure counts. Only those tasks add
     * to it, and each takes itself off when done, whatever else the lane holds.
     */
    final AtomicInteger inboundBacklog = new AtomicInteger();

    // Delivery extension state: lane-confined.
    /** Whether the thread logs its messages; {@code null} until read from the store. */
    Boolean deliveryEnabled;
    /** Created on first use: most threads never use the extension. */
    private DeliveryState delivery;

    /** The delivery extension's per-thread state (lane-confined). */
    static final class DeliveryState {
        /** Connections of delivery clients that finished their replay, with their client instance. */
        final Map<EngineConnection, String> targets = new LinkedHashMap<>();
        /** Where each client instance that sent to the thread stands (read from the store on first use). */
        final Map<String, Position> positions = new HashMap<>();
        /**
         * The sequence number through which the log was handed to {@link #targets} (-1 until one attached or a
         * message was handed): what came after it and was not announced yet is read from the store.
         */
        long handedThrough = -1;
    }

    /** A client instance's position in the thread, as this process knows it (lane-confined). */
    static final class Position {
        /** The last sequence number committed. */
        long seq;
        /**
         * The last number that may have been handed to a handler before without being committed (a crashed run,
         * a failed commit: see ServerProcess); messages up to it are marked {@code possibleRedelivery}. None when
         * not above {@link #seq}.
         */
        long doubtThrough;
        /**
         * The run that may have handed over the messages up to {@link #doubtThrough}, as the store knows it: the
         * positions committed inside that window are recorded under its id, not this run's, so that a position
         * read from the store again (after this live thread is retired) still says they may have been handed
         * over. {@code null} when there is no such window.
         */
        String doubtWriter;
        /** A commit failed: the instance's messages are dropped, unacknowledged, until it attaches again. */
        boolean failed;
        /** A commit failed but may have been stored: {@link #seq} is read from the store again at the next attach. */
        boolean reread;

        Position(long seq, long doubtThrough) {
            this.seq = seq;
            this.doubtThrough = doubtThrough;
        }
    }

    /** The thread's delivery state, created on first use. Lane only. */
    DeliveryState delivery() {
        if (delivery == null) {
            delivery = new DeliveryState();
        }
        return delivery;
    }

    /** The delivery state if the extension was ever used on this thread, else {@code null}. Lane only. */
    DeliveryState deliveryIfUsed() {
        return delivery;
    }

    LiveThread(ThreadRecord base, SerialExecutor lane) {
        this.threadId = base.threadId();
        this.lane = lane;
        adopt(base);
    }

    /** A dormant thread: a lane for a push to an offline thread. */
    LiveThread(String threadId, SerialExecutor lane) {
        this.threadId = threadId;
        this.lane = lane;
    }

    /** Takes the stored record when a connection attaches to a dormant thread. */
    synchronized void adopt(ThreadRecord record) {
        if (base == null) {
            this.lastActiveMillis = record.lastActiveAt().toEpochMilli();
            this.contextTag = record.contextTag();
            this.affect = record.affect();
            this.base = record;
        }
    }

    String threadId() {
        return threadId;
    }

    /** A handshake or valid envelope arrived; {@code meta} may carry a new context tag and affect. */
    void recordActivity(long nowMillis, Meta meta) {
        if (meta == null && nowMillis == lastActiveMillis) {
            return; // nothing new (a handshake in the millisecond the thread was created): no write-back needed
        }
        lastActiveMillis = nowMillis;
        if (meta != null) {
            meta.contextTag().ifPresent(tag -> contextTag = tag);
            JsonElement newAffect = meta.get(Meta.AFFECT);
            if (newAffect != null) {
                affect = newAffect;
            }
        }
        dirty = true;
    }

    /** The record to write back, and whether anything changed since the last write. */
    ThreadRecord snapshot() {
        ThreadRecord base = this.base;
        if (base == null) {
            throw new IllegalStateException("Thread " + threadId + " is dormant");
        }
        return base.withActivity(Instant.ofEpochMilli(lastActiveMillis), contextTag, affect);
    }

    boolean takeDirty() {
        boolean was = dirty;
        dirty = false;
        return was;
    }
}
