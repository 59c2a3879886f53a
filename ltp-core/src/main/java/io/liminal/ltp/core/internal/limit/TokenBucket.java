package io.liminal.ltp.core.internal.limit;

/**
 * A token bucket: {@code capacity} tokens, refilled continuously at {@code capacity} per window. Thread-safe; the
 * caller passes the time, so tests drive it with a virtual clock.
 */
public final class TokenBucket {
    private final double capacity;
    private final double refillPerMilli;
    private double tokens;
    private long lastRefillMillis;

    /**
     * @param capacity most tokens, and tokens added per window
     * @param windowMillis the window, at least 1
     * @param nowMillis the time the bucket starts full
     */
    public TokenBucket(int capacity, long windowMillis, long nowMillis) {
        if (capacity < 1 || windowMillis < 1) {
            throw new IllegalArgumentException("capacity and window must be positive");
        }
        this.capacity = capacity;
        this.refillPerMilli = (double) capacity / windowMillis;
        this.tokens = capacity;
        this.lastRefillMillis = nowMillis;
    }

    /** Takes a token if there is one. */
    public synchronized boolean tryAcquire(long nowMillis) {
        refill(nowMillis);
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** Whether the bucket is full again (nothing to remember about its owner). */
    public synchronized boolean isFull(long nowMillis) {
        refill(nowMillis);
        return tokens >= capacity;
    }

    private void refill(long nowMillis) {
        if (nowMillis > lastRefillMillis) {
            tokens = Math.min(capacity, tokens + (nowMillis - lastRefillMillis) * refillPerMilli);
            lastRefillMillis = nowMillis;
        }
    }
}
