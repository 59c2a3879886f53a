package io.liminal.ltp.server.store;

import java.time.Duration;
import java.util.Objects;

/**
 * How much of a thread's outbound log the server keeps for replay: the newest messages within all three bounds.
 * A client that comes back after more than that was trimmed is told what it missed (no silent gaps).
 *
 * <p>A store may trim in steps, like Redis's approximate {@code MAXLEN ~}: it lets a log grow up to a sixteenth past
 * the count and byte bounds ({@link #trimAboveMessages()}, {@link #trimAboveBytes()}) and then trims it back to
 * them, so that a log at its retention is not trimmed on every commit. A client can always get back the newest
 * {@code maxMessages} messages within {@code maxBytes}; what a log may hold is the step's bound.
 *
 * @param maxMessages messages kept per thread for replay (the newest; up to a sixteenth more between trims)
 * @param maxBytes bytes (UTF-8 of the stored messages) kept per thread (up to a sixteenth more between trims)
 * @param maxAge oldest message kept
 */
public record DeliveryRetention(int maxMessages, long maxBytes, Duration maxAge) {
    /** The default: 10,000 messages, 8 MiB, 24 hours per thread. */
    public static final DeliveryRetention DEFAULT = new DeliveryRetention(10_000, 8L * 1024 * 1024,
            Duration.ofHours(24));

    /** The most messages a store that trims in steps lets a log hold before it trims it back to maxMessages. */
    public long trimAboveMessages() {
        return (long) maxMessages + maxMessages / 16;
    }

    /** The most bytes a store that trims in steps lets a log hold before it trims it back to maxBytes. */
    public long trimAboveBytes() {
        long step = maxBytes / 16;
        return maxBytes > Long.MAX_VALUE - step ? Long.MAX_VALUE : maxBytes + step;
    }

    /** Validates the bounds. */
    public DeliveryRetention {
        if (maxMessages < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("retention bounds must be positive");
        }
        Objects.requireNonNull(maxAge, "maxAge");
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalArgumentException("maxAge must be positive");
        }
    }
}
