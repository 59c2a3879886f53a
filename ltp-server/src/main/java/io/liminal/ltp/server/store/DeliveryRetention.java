package io.liminal.ltp.server.store;

import java.time.Duration;
import java.util.Objects;

/**
 * How much of a thread's outbound log the server keeps for replay: the newest messages within all three bounds.
 * A client that comes back after more than that was trimmed is told what it missed (no silent gaps).
 *
 * @param maxMessages most messages kept per thread
 * @param maxBytes most bytes (UTF-8 of the stored messages) kept per thread
 * @param maxAge oldest message kept
 */
public record DeliveryRetention(int maxMessages, long maxBytes, Duration maxAge) {
    /** The default: 10,000 messages, 8 MiB, 24 hours per thread. */
    public static final DeliveryRetention DEFAULT = new DeliveryRetention(10_000, 8L * 1024 * 1024,
            Duration.ofHours(24));

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
