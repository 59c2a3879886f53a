package io.liminal.ltp.server.internal.engine;

import io.liminal.ltp.core.security.RandomIds;
import io.liminal.ltp.server.store.DeliveryStore;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * This server run as the delivery store knows it: the id it records with every client position it commits, and
 * the count of numbered messages handed to a handler and not yet committed. Together they make
 * {@code possibleRedelivery} exact: a message can only have been handed over before if the position it follows
 * was written by a run that did not stop cleanly (it crashed, or it still runs elsewhere), or by this run before
 * one of its commits failed.
 */
final class ServerProcess {
    private static final int KNOWN_CLEAN_MAX = 1_024;

    private volatile String id = RandomIds.uuid();
    private final AtomicInteger handing = new AtomicInteger();
    private final CompletableFuture<Void> idle = new CompletableFuture<>();
    private volatile boolean closed;
    /** Runs the store says stopped cleanly: a run never un-stops, so these can be kept. */
    private final Set<String> knownClean = ConcurrentHashMap.newKeySet();

    /** The id positions are recorded with. */
    String id() {
        return id;
    }

    /**
     * A commit failed: a message may have been handed over without its position being written. Positions this run
     * wrote so far now count as written by another run, so the next message after any of them is marked.
     */
    void commitFailed() {
        id = RandomIds.uuid();
    }

    /** Whether a run that wrote a position (by id; {@code null} when unknown) may have handed the next one over. */
    boolean mayHaveHandedOver(String writer, DeliveryStore store) {
        if (writer == null) {
            return true;
        }
        if (writer.equals(id) || knownClean.contains(writer)) {
            return false;
        }
        if (store.stoppedCleanly(writer)) {
            if (knownClean.size() < KNOWN_CLEAN_MAX) {
                knownClean.add(writer);
            }
            return false;
        }
        return true;
    }

    /** Counts a handover about to start; false once this run stops handing messages over. */
    boolean enterHandover() {
        handing.incrementAndGet();
        if (closed) {
            exitHandover();
            return false;
        }
        return true;
    }

    /** The handover's commit succeeded or failed. */
    void exitHandover() {
        if (handing.decrementAndGet() == 0 && closed) {
            idle.complete(null);
        }
    }

    /**
     * Stops handing messages over and waits for those under way.
     *
     * @return true when none is left: every message this run handed over was committed or failed visibly
     */
    boolean closeHandovers(Duration wait) {
        closed = true;
        if (handing.get() == 0) {
            return true;
        }
        try {
            idle.get(Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
