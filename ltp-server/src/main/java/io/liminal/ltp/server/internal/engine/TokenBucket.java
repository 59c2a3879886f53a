package io.liminal.ltp.server.internal.engine;

/** A token bucket: {@code capacity} tokens, refilled continuously at capacity per window. Thread-safe. */
final class TokenBucket {
    private final double capacity;
    private final double refillPerMilli;
    private double tokens;
    private long lastRefillMillis;

    TokenBucket(int capacity, long windowMillis, long nowMillis) {
        this.capacity = capacity;
        this.refillPerMilli = (double) capacity / windowMillis;
        this.tokens = capacity;
        this.lastRefillMillis = nowMillis;
    }

    synchronized boolean tryAcquire(long nowMillis) {
        refill(nowMillis);
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    synchronized boolean isFull(long nowMillis) {
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
