package io.liminal.ltp.core.concurrent;

import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs tasks after a delay. The client's and server's timers (heartbeat, handshake timeout, backoff, idle checks)
 * go through this interface so that tests can drive them on virtual time.
 */
@FunctionalInterface
public interface Scheduler {

    /** Runs {@code task} once after {@code delay}; the returned handle cancels it if it has not run yet. */
    Cancellable schedule(Runnable task, long delay, TimeUnit unit);

    /** A scheduled task that can be cancelled. */
    @FunctionalInterface
    interface Cancellable {
        /** Does nothing. */
        Cancellable NONE = () -> { };

        /** Cancels the task if it has not started; idempotent. */
        void cancel();
    }

    /** A scheduler backed by a {@link ScheduledExecutorService}. */
    static Scheduler of(ScheduledExecutorService executor) {
        Objects.requireNonNull(executor, "executor");
        return (task, delay, unit) -> {
            ScheduledFuture<?> future = executor.schedule(task, delay, unit);
            return () -> future.cancel(false);
        };
    }
}
