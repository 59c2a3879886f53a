package io.liminal.ltp.server.internal.engine;

import com.google.gson.JsonObject;
import io.liminal.ltp.core.session.ServerConnectionMachine;
import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One token bucket per client id, shared by all of that client's connections, so reconnecting does not refill
 * it. Buckets that are full again are dropped by {@link #sweep()}.
 */
final class RateLimiters {
    private final int messages;
    private final long windowMillis;
    private final Clock clock;
    private final ConcurrentMap<String, TokenBucket> byClient = new ConcurrentHashMap<>();

    RateLimiters(int messages, long windowMillis, Clock clock) {
        this.messages = messages;
        this.windowMillis = windowMillis;
        this.clock = clock;
    }

    boolean enabled() {
        return messages > 0;
    }

    /** A fresh bucket for a connection that has not identified its client yet. */
    TokenBucket newBucket() {
        return new TokenBucket(messages, windowMillis, clock.millis());
    }

    /** The shared bucket of a client. */
    TokenBucket forClient(String clientId) {
        return byClient.computeIfAbsent(clientId, id -> newBucket());
    }

    /** The {@code details} of {@code RATE_LIMIT_EXCEEDED}, upstream shape. */
    JsonObject details() {
        JsonObject details = new JsonObject();
        details.addProperty("limit", messages);
        details.addProperty("window_ms", windowMillis);
        return details;
    }

    /** A gate that asks the bucket the supplier currently names. */
    ServerConnectionMachine.RateGate gate(java.util.function.Supplier<TokenBucket> bucket) {
        if (!enabled()) {
            return ServerConnectionMachine.RateGate.UNLIMITED;
        }
        return new ServerConnectionMachine.RateGate() {
            @Override
            public boolean tryAcquire() {
                return bucket.get().tryAcquire(clock.millis());
            }

            @Override
            public JsonObject details() {
                return RateLimiters.this.details();
            }
        };
    }

    void sweep() {
        long now = clock.millis();
        byClient.values().removeIf(bucket -> bucket.isFull(now));
    }
}
