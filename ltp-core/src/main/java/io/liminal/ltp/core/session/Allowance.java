package io.liminal.ltp.core.session;

import java.time.Duration;
import java.util.Objects;

/**
 * How many of something a peer may do per window: a token bucket that holds {@code count} tokens and refills
 * {@code count} per {@code window}, so a burst of {@code count} is allowed and then {@code count / window} on
 * average. {@link #UNLIMITED} turns a bound off.
 *
 * @param count tokens per window (0 with {@link #UNLIMITED})
 * @param window the refill window
 */
public record Allowance(int count, Duration window) {
    /** No bound. */
    public static final Allowance UNLIMITED = new Allowance(0, Duration.ZERO);

    /** Validates the values. */
    public Allowance {
        Objects.requireNonNull(window, "window");
        if (count < 0 || count > 0 && window.toMillis() < 1 || count == 0 && !window.isZero()) {
            throw new IllegalArgumentException("an allowance is a positive count per window of at least 1 ms, "
                    + "or UNLIMITED; got " + count + " per " + window);
        }
    }

    /** {@code count} per {@code window}. */
    public static Allowance of(int count, Duration window) {
        return new Allowance(count, window);
    }

    /** Whether this bounds anything. */
    public boolean limited() {
        return count > 0;
    }

    @Override
    public String toString() {
        return limited() ? count + " per " + window.toMillis() + " ms" : "unlimited";
    }
}
