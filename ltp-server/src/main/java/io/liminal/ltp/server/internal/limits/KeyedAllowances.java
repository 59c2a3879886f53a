package io.liminal.ltp.server.internal.limits;

import io.liminal.ltp.core.internal.limit.TokenBucket;
import io.liminal.ltp.core.session.Allowance;
import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One {@link Allowance} per key (an identity, an address), shared by everything charged to that key. Memory is
 * bounded: at most {@code maxKeys} buckets; past that, keys without a bucket share one overflow bucket (so a peer
 * that rotates keys only competes with other such peers), and {@link #sweep()} drops buckets that are full again.
 * Thread-safe.
 */
public final class KeyedAllowances {
    private final Allowance allowance;
    private final int maxKeys;
    private final Clock clock;
    private final ConcurrentMap<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    private final TokenBucket overflow;

    public KeyedAllowances(Allowance allowance, int maxKeys, Clock clock) {
        this.allowance = allowance;
        this.maxKeys = maxKeys;
        this.clock = clock;
        this.overflow = allowance.limited() ? newBucket() : null;
    }

    /** Whether anything is limited. */
    public boolean enabled() {
        return allowance.limited();
    }

    public Allowance allowance() {
        return allowance;
    }

    /** The bucket of a key; the overflow bucket when the table is full. */
    public TokenBucket bucket(String key) {
        TokenBucket bucket = buckets.get(key);
        if (bucket != null) {
            return bucket;
        }
        if (buckets.size() >= maxKeys) {
            return overflow;
        }
        return buckets.computeIfAbsent(key, k -> newBucket());
    }

    /** Takes one token of the key's allowance; true when unlimited. */
    public boolean tryAcquire(String key) {
        return !enabled() || bucket(key).tryAcquire(clock.millis());
    }

    /** A bucket of this allowance for one connection, not shared. */
    public TokenBucket newBucket() {
        return new TokenBucket(allowance.count(), allowance.window().toMillis(), clock.millis());
    }

    /** Forgets keys whose buckets are full again. */
    public void sweep() {
        long now = clock.millis();
        buckets.values().removeIf(bucket -> bucket.isFull(now));
    }

    /** Keys with a bucket now. */
    public int size() {
        return buckets.size();
    }
}
