package io.liminal.ltp.server.internal.limits;

import io.liminal.ltp.core.internal.limit.TokenBucket;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds how often one log statement writes, so that a peer repeating a failure cannot flood the log: at most
 * {@code lines} per window; the lines in between are counted, and the next line written says how many were left
 * out. One instance per log statement. Thread-safe.
 */
public final class LogLimiter {
    private final TokenBucket bucket;
    private final Clock clock;
    private final AtomicLong suppressed = new AtomicLong();

    public LogLimiter(int lines, long windowMillis, Clock clock) {
        this.clock = clock;
        this.bucket = new TokenBucket(lines, windowMillis, clock.millis());
    }

    /** The usual bound: 10 lines per 10 s. */
    public static LogLimiter standard(Clock clock) {
        return new LogLimiter(10, 10_000, clock);
    }

    /**
     * Whether to write the line now.
     *
     * @return {@code null} to skip it (it is counted); otherwise a suffix for the line: empty, or
     *     {@code " (N similar lines suppressed)"}
     */
    public String admit() {
        if (!bucket.tryAcquire(clock.millis())) {
            suppressed.incrementAndGet();
            return null;
        }
        long skipped = suppressed.getAndSet(0);
        return skipped == 0 ? "" : " (" + skipped + " similar lines suppressed)";
    }
}
