package io.liminal.ltp.server.internal.engine;

import com.google.gson.JsonObject;
import io.liminal.ltp.core.internal.text.LogSafe;
import io.liminal.ltp.core.internal.text.Redaction;
import io.liminal.ltp.server.store.ThreadStore;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the thread store works, as far as the server can tell: every store operation that fails reports here,
 * and a probe asks the store every few seconds. The store counts as failing until {@link #QUIET} has passed
 * without a failure, so a store that fails only some operations (a corrupt page) does not flap between probes.
 * {@code /ready} turns false and {@code /health} says why while it fails.
 */
final class StoreHealth {
    private static final Logger LOG = LoggerFactory.getLogger(StoreHealth.class);
    /** How long a failure keeps the store marked failing. */
    static final Duration QUIET = Duration.ofSeconds(15);

    private final ThreadStore store;
    private final Clock clock;
    private final AtomicLong failures = new AtomicLong();
    private volatile long lastFailureMillis = Long.MIN_VALUE;
    private volatile String lastError;
    private volatile boolean reportedFailing;

    StoreHealth(ThreadStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** A store operation failed. */
    void failed(Throwable error) {
        failures.incrementAndGet();
        lastFailureMillis = clock.millis();
        lastError = LogSafe.text(Redaction.redact(error.getClass().getSimpleName() + ": " + error.getMessage()), 200);
        if (!reportedFailing) {
            reportedFailing = true;
            LOG.error("The thread store is failing; not ready until it has worked for {} s: {}", QUIET.toSeconds(),
                    lastError);
        }
    }

    /** Asks the store whether it works (from the maintenance scheduler, never an I/O thread). */
    void probe() {
        try {
            store.checkHealth();
        } catch (RuntimeException e) {
            failed(e);
            return;
        }
        if (reportedFailing && healthy()) {
            reportedFailing = false;
            LOG.info("The thread store works again");
        }
    }

    /** No failure within {@link #QUIET}. */
    boolean healthy() {
        long last = lastFailureMillis;
        return last == Long.MIN_VALUE || clock.millis() - last >= QUIET.toMillis();
    }

    /** The {@code store} member of {@code /health}. */
    JsonObject toJson() {
        JsonObject json = new JsonObject();
        boolean healthy = healthy();
        json.addProperty("status", healthy ? "ok" : "failing");
        json.addProperty("failures", failures.get());
        if (!healthy && lastError != null) {
            json.addProperty("error", lastError);
        }
        return json;
    }
}
