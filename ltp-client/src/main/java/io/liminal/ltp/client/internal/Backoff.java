package io.liminal.ltp.client.internal;

import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.core.functions.Either;
import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * The spec's reconnect delay (§8): before retry n (n = 0, 1, ...) wait {@code min(base × 2^n, max)}, plus up to
 * {@code jitter} of it, but never more than {@code max}. So retry n never comes before the spec's delay and the cap
 * holds (LTP-RC-001).
 */
public final class Backoff {
    private Backoff() {
    }

    /** The delay of retry {@code n} (0-based) without jitter. */
    public static long baseDelayMillis(int n, Duration base, Duration max) {
        double delay = base.toMillis() * Math.pow(2, Math.min(n, 62));
        return (long) Math.min(delay, max.toMillis());
    }

    /** The resilience4j interval function (its attempt numbers start at 1 for the first retry). */
    public static <T> IntervalBiFunction<T> intervals(Duration base, Duration max, double jitter, DoubleSupplier random) {
        return (Integer attempt, Either<Throwable, T> outcome) -> {
            long delay = baseDelayMillis(attempt - 1, base, max);
            long jittered = delay + (long) (delay * jitter * random.getAsDouble());
            return Math.min(jittered, Math.max(delay, max.toMillis()));
        };
    }
}
