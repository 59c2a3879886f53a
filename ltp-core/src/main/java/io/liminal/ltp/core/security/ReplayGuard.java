package io.liminal.ltp.core.security;

import io.liminal.ltp.core.ErrorCode;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.internal.text.LogSafe;
import io.liminal.ltp.core.message.Envelope;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
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
 * <p><b>Memory, and why the window cannot be flushed.</b> Nonces are remembered per client, so one client's
 * traffic never pushes out another's. A nonce may be forgotten early only once it is older than the drift window
 * ({@code maxAge + maxAhead}): a replay of it is then refused by its timestamp. When a client's window holds
 * {@link Builder#maxPerClient(int) maxPerClient} nonces (10,000) that are all still inside the drift window, or all
 * clients together hold {@link Builder#maxEntries(int) maxEntries} (200,000), further messages are refused with
 * {@code RATE_LIMIT_EXCEEDED} ({@code details.limit: "replay_window"}) until old nonces age out: protection holds
 * for the whole window, whatever anyone sends. Thread-safe.
 *
 * <p>Check signatures first: a forged message must not fill the cache.
 */
public final class ReplayGuard {
    private static final long MILLISECONDS_THRESHOLD = 1_000_000_000_000L;
    /** Every this many checks, windows of clients that went quiet are swept. */
    private static final int SWEEP_EVERY = 4_096;

    private final Clock clock;
    private final long maxAgeMs;
    private final long maxAheadMs;
    private final long nonceTtlMs;
    private final long driftWindowMs;
    private final int maxPerClient;
    private final int maxEntries;

    /** Per client: nonce → time remembered (epoch ms), in insertion order (which is time order). */
    private final HashMap<String, LinkedHashMap<String, Long>> windows = new HashMap<>();
    private int entries;
    private int checksSinceSweep;
    private long refusals;

    private ReplayGuard(Builder builder) {
        this.clock = builder.clock;
        this.maxAgeMs = builder.maxAge.toMillis();
        this.maxAheadMs = builder.maxAhead.toMillis();
        this.nonceTtlMs = builder.nonceTtl.toMillis();
        this.driftWindowMs = maxAgeMs + maxAheadMs;
        this.maxPerClient = builder.maxPerClient;
        this.maxEntries = builder.maxEntries;
    }

    /** A builder with the spec's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Checks time then nonce, and remembers the nonce when both pass, in the window of {@code meta.client_id} (or
     * of nobody in particular when there is none). Prefer {@link #check(Envelope, String)} with the connection's
     * client.
     *
     * @throws LtpProtocolException with one of the §11.5 codes, or {@code RATE_LIMIT_EXCEEDED}
     */
    public void check(Envelope envelope) {
        String metaClient = envelope.meta() == null ? null : envelope.meta().clientId();
        check(envelope, metaClient == null ? "" : metaClient);
    }

    /**
     * Checks time then nonce, and remembers the nonce in {@code clientId}'s window when both pass.
     *
     * @param clientId the window the nonce belongs to: the sender as the server knows it (a session's client and
     *     thread), never a value the message itself names
     * @throws LtpProtocolException with one of the §11.5 codes, or {@code RATE_LIMIT_EXCEEDED} when the window is
     *     full of nonces that are still needed
     */
    public void check(Envelope envelope, String clientId) {
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
        remember(clientId == null ? "" : clientId, nonce, now);
    }

    /** How many messages were refused because a window was full of nonces still needed. */
    public synchronized long refusals() {
        return refusals;
    }

    /** How many nonces are remembered now, over all clients. */
    public synchronized int size() {
        return entries;
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

    private synchronized void remember(String clientId, String nonce, long now) {
        if (++checksSinceSweep >= SWEEP_EVERY) {
            checksSinceSweep = 0;
            sweep(now);
        }
        LinkedHashMap<String, Long> window = windows.get(clientId);
        if (window != null) {
            purge(window, now, nonceTtlMs);
            if (window.containsKey(nonce)) {
                throw invalidNonce("Nonce was already used");
            }
            if (window.size() >= maxPerClient && !forgetOneSafely(window, now)) {
                throw windowFull(maxPerClient);
            }
        }
        if (entries >= maxEntries && (window == null || !forgetOneSafely(window, now))) {
            sweep(now);
            if (entries >= maxEntries) {
                throw windowFull(maxEntries);
            }
        }
        if (window == null) {
            window = new LinkedHashMap<>();
            windows.put(clientId, window);
        }
        window.put(nonce, now);
        entries++;
    }

    /** Drops nonces remembered longer than {@code keepMs}. */
    private void purge(LinkedHashMap<String, Long> window, long now, long keepMs) {
        Iterator<Map.Entry<String, Long>> oldest = window.entrySet().iterator();
        while (oldest.hasNext() && now - oldest.next().getValue() > keepMs) {
            oldest.remove();
            entries--;
        }
    }

    /** Forgets the window's oldest nonce if a replay of it would fail its timestamp anyway. */
    private boolean forgetOneSafely(LinkedHashMap<String, Long> window, long now) {
        Iterator<Map.Entry<String, Long>> oldest = window.entrySet().iterator();
        if (oldest.hasNext() && now - oldest.next().getValue() > driftWindowMs) {
            oldest.remove();
            entries--;
            return true;
        }
        return false;
    }

    /** Drops every nonce past the TTL, and past the drift window when memory is short, and empty windows. */
    private void sweep(long now) {
        long keep = entries >= maxEntries ? driftWindowMs : nonceTtlMs;
        Iterator<LinkedHashMap<String, Long>> all = windows.values().iterator();
        while (all.hasNext()) {
            LinkedHashMap<String, Long> window = all.next();
            purge(window, now, keep);
            if (window.isEmpty()) {
                all.remove();
            }
        }
    }

    private LtpProtocolException windowFull(int max) {
        refusals++;
        return new LtpProtocolException(ErrorCode.RATE_LIMIT_EXCEEDED,
                "Too many messages within the replay window; slow down",
                LtpProtocolException.newDetails().put("limit", "replay_window").put("max", max)
                        .put("window_ms", driftWindowMs).build());
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
        private int maxPerClient = 10_000;

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

        /** The most nonces remembered for one client (default 10,000). */
        public Builder maxPerClient(int maxPerClient) {
            if (maxPerClient <= 0) {
                throw new IllegalArgumentException("maxPerClient must be positive but was " + maxPerClient);
            }
            this.maxPerClient = maxPerClient;
            return this;
        }

        /** The most nonces remembered at once, over all clients (default 200,000). */
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
