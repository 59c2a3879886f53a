package io.liminal.ltp.core.security;

import io.liminal.ltp.core.ErrorCode;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.internal.text.LogSafe;
import io.liminal.ltp.core.message.Envelope;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Replay protection (spec §11.5): timestamps within a drift window, and each nonce accepted once.
 *
 * <ul>
 *   <li>{@code timestamp} more than {@link Builder#maxAge(Duration) maxAge} (60 s) old: {@code MESSAGE_TOO_OLD};
 *       more than {@link Builder#maxAhead(Duration) maxAhead} (5 s) ahead: {@code INVALID_TIMESTAMP}. Values of
 *       10^12 and more are read as milliseconds .</li>
 *   <li>No nonce: {@code MISSING_NONCE}. A nonce seen within {@link Builder#nonceTtl(Duration) nonceTtl} (5 min),
 *       a parseable nonce time outside the drift window, a legacy nonce whose client id differs from
 *       {@code meta.client_id}, or a legacy random part under 8 hex digits: {@code INVALID_NONCE}.</li>
 * </ul>
 *
 * <p>Memory is bounded by {@link Builder#maxEntries(int) maxEntries}: when full, the oldest nonce is forgotten.
 * That stays safe as long as the forgotten nonce is older than the drift window, because a replay of it is then
 * refused by its timestamp; {@link #prematureEvictions()} counts the evictions for which that did not hold, a
 * sign that {@code maxEntries} is too small for the traffic. Thread-safe.
 *
 * <p>Check signatures first: a forged message must not fill the cache.
 */
public final class ReplayGuard {
    private static final long MILLISECONDS_THRESHOLD = 1_000_000_000_000L;

    private final Clock clock;
    private final long maxAgeMs;
    private final long maxAheadMs;
    private final long nonceTtlMs;
    private final int maxEntries;

    /** Nonce → expiry in epoch ms, in insertion order (which is expiry order, as the TTL is fixed). */
    private final LinkedHashMap<String, Long> seen = new LinkedHashMap<>();
    private long prematureEvictions;

    private ReplayGuard(Builder builder) {
        this.clock = builder.clock;
        this.maxAgeMs = builder.maxAge.toMillis();
        this.maxAheadMs = builder.maxAhead.toMillis();
        this.nonceTtlMs = builder.nonceTtl.toMillis();
        this.maxEntries = builder.maxEntries;
    }

    /** A builder with the spec's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Checks time then nonce, and remembers the nonce when both pass.
     *
     * @throws LtpProtocolException with one of the §11.5 codes
     */
    public void check(Envelope envelope) {
        long now = clock.millis();
        checkTimestamp(envelope.timestamp(), now);
        String nonce = envelope.nonce();
        if (nonce == null || nonce.isEmpty()) {
            throw new LtpProtocolException(ErrorCode.MISSING_NONCE, "Envelope has no nonce",
                    LtpProtocolException.newDetails().put("missing_field", "nonce").build());
        }
        NonceFormat format = NonceFormat.parse(nonce);
        if (format.kind() == NonceFormat.Kind.LEGACY) {
            if (format.randomPart().length() < NonceFormat.MIN_LEGACY_RANDOM_HEX_DIGITS) {
                throw invalidNonce("Nonce random part is shorter than 8 hex digits");
            }
            String metaClient = envelope.meta() == null ? null : envelope.meta().clientId();
            if (metaClient != null && !metaClient.equals(format.clientId())) {
                throw invalidNonce("Nonce names client '" + LogSafe.id(format.clientId())
                        + "' but meta.client_id is '" + LogSafe.id(metaClient) + "'");
            }
        }
        if (format.epochMs() >= 0 && Math.abs(now - format.epochMs()) > maxAgeMs) {
            throw invalidNonce("Nonce time is outside the allowed window of " + maxAgeMs + " ms");
        }
        remember(nonce, now);
    }

    /** How many nonces were forgotten while still inside the drift window (see the class documentation). */
    public synchronized long prematureEvictions() {
        return prematureEvictions;
    }

    /** How many nonces are remembered now. */
    public synchronized int size() {
        return seen.size();
    }

    private void checkTimestamp(long timestamp, long now) {
        long timestampMs = timestamp >= MILLISECONDS_THRESHOLD ? timestamp : timestamp * 1000;
        if (now - timestampMs > maxAgeMs) {
            throw new LtpProtocolException(ErrorCode.MESSAGE_TOO_OLD,
                    "Message timestamp is more than " + maxAgeMs / 1000 + " s old",
                    LtpProtocolException.newDetails().put("timestamp", timestamp)
                            .put("max_age_ms", maxAgeMs).build());
        }
        if (timestampMs - now > maxAheadMs) {
            throw new LtpProtocolException(ErrorCode.INVALID_TIMESTAMP,
                    "Message timestamp is more than " + maxAheadMs / 1000 + " s in the future",
                    LtpProtocolException.newDetails().put("timestamp", timestamp)
                            .put("max_ahead_ms", maxAheadMs).build());
        }
    }

    private synchronized void remember(String nonce, long now) {
        purgeExpired(now);
        if (seen.containsKey(nonce)) {
            throw invalidNonce("Nonce was already used");
        }
        if (seen.size() >= maxEntries) {
            Iterator<Map.Entry<String, Long>> oldest = seen.entrySet().iterator();
            long insertedAt = oldest.next().getValue() - nonceTtlMs;
            if (now - insertedAt <= maxAgeMs + maxAheadMs) {
                prematureEvictions++;
            }
            oldest.remove();
        }
        seen.put(nonce, now + nonceTtlMs);
    }

    private void purgeExpired(long now) {
        Iterator<Map.Entry<String, Long>> entries = seen.entrySet().iterator();
        while (entries.hasNext() && entries.next().getValue() <= now) {
            entries.remove();
        }
    }

    private static LtpProtocolException invalidNonce(String message) {
        return new LtpProtocolException(ErrorCode.INVALID_NONCE, message,
                LtpProtocolException.newDetails().put("field", "nonce").build());
    }

    /** Builds a {@link ReplayGuard}. */
    public static final class Builder {
        private Clock clock = Clock.systemUTC();
        private Duration maxAge = Duration.ofSeconds(60);
        private Duration maxAhead = Duration.ofSeconds(5);
        private Duration nonceTtl = Duration.ofMinutes(5);
        private int maxEntries = 200_000;

        private Builder() {
        }

        /** The clock to read "now" from. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How old a timestamp may be (default 60 s). */
        public Builder maxAge(Duration maxAge) {
            this.maxAge = positive("maxAge", maxAge);
            return this;
        }

        /** How far ahead a timestamp may be (default 5 s). */
        public Builder maxAhead(Duration maxAhead) {
            this.maxAhead = positive("maxAhead", maxAhead);
            return this;
        }

        /** How long a nonce is remembered (default 5 min). */
        public Builder nonceTtl(Duration nonceTtl) {
            this.nonceTtl = positive("nonceTtl", nonceTtl);
            return this;
        }

        /** The most nonces remembered at once (default 200,000). */
        public Builder maxEntries(int maxEntries) {
            if (maxEntries <= 0) {
                throw new IllegalArgumentException("maxEntries must be positive but was " + maxEntries);
            }
            this.maxEntries = maxEntries;
            return this;
        }

        /** The guard. */
        public ReplayGuard build() {
            return new ReplayGuard(this);
        }

        private static Duration positive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive but was " + value);
            }
            return value;
        }
    }
}
