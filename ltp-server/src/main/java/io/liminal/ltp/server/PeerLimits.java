package io.liminal.ltp.server;

import io.liminal.ltp.core.session.Allowance;
import io.liminal.ltp.core.session.ServerSessionConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * What one peer may make the engine do before and beside the spec's message limits. Each bound holds on the
 * internet without configuration; docs/security.md lists them with what the peer sees and the metric that counts
 * them. Transport-level bounds (connections before the upgrade, frames, buffers) are in
 * {@link io.liminal.ltp.server.transport.TransportLimits}.
 *
 * @param handshakesPerAddress {@code handshake_init} and {@code handshake_resume} per remote address (behind a
 *     trusted proxy, per client address); past it: {@code RATE_LIMIT_EXCEEDED} and close 1008
 * @param pings pings per connection (exempt from the message rate limit, A-13); past it:
 *     {@code RATE_LIMIT_EXCEEDED}, connection open
 * @param errors errors a connection may cause; past them it is closed 1008 "Too many errors" (§6: MAY close on
 *     abuse)
 * @param maxHeldBytes bytes of frames held while a handshake waits for the store or the authenticator; past it:
 *     close 1008
 * @param maxClientIdBytes UTF-8 bytes of a {@code client_id}; longer ones: {@code INVALID_CLIENT_ID}, close 1008
 * @param maxPendingHandshakes handshakes waiting for a blocking store or authenticator, over all connections;
 *     past it: {@code RATE_LIMIT_EXCEEDED}, close 1008 "Server at capacity"
 */
public record PeerLimits(Allowance handshakesPerAddress, Allowance pings, Allowance errors, long maxHeldBytes,
        int maxClientIdBytes, int maxPendingHandshakes) {

    /**
     * The defaults: 300 handshakes per minute per address (a burst of 300 serves an office behind one NAT
     * reconnecting at once, or a conformance run; 5 per second after that), 20 pings per 10 s, 50 errors per 10 s,
     * 1 MiB held, 256-byte client ids, 10,000 pending handshakes (as many as the default connection limit: a
     * node that restarts under a full load queues its clients' resumes rather than turning most of them away; each
     * waiting handshake holds only its connection, which is bounded anyway, and a small task).
     */
    public static final PeerLimits DEFAULTS = new PeerLimits(Allowance.of(300, Duration.ofMinutes(1)),
            ServerSessionConfig.DEFAULT_PING_ALLOWANCE, ServerSessionConfig.DEFAULT_ERROR_ALLOWANCE,
            ServerSessionConfig.DEFAULT_MAX_HELD_BYTES, 256, 10_000);

    /** Validates the values. */
    public PeerLimits {
        Objects.requireNonNull(handshakesPerAddress, "handshakesPerAddress");
        Objects.requireNonNull(pings, "pings");
        Objects.requireNonNull(errors, "errors");
        if (maxHeldBytes < 1 || maxClientIdBytes < 1 || maxPendingHandshakes < 1) {
            throw new IllegalArgumentException("peer limits must be positive: " + this);
        }
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder(DEFAULTS);
    }

    /** A builder starting from these values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds {@link PeerLimits}. */
    public static final class Builder {
        private Allowance handshakesPerAddress;
        private Allowance pings;
        private Allowance errors;
        private long maxHeldBytes;
        private int maxClientIdBytes;
        private int maxPendingHandshakes;

        private Builder(PeerLimits from) {
            handshakesPerAddress = from.handshakesPerAddress;
            pings = from.pings;
            errors = from.errors;
            maxHeldBytes = from.maxHeldBytes;
            maxClientIdBytes = from.maxClientIdBytes;
            maxPendingHandshakes = from.maxPendingHandshakes;
        }

        /** Handshakes per remote address ({@link Allowance#UNLIMITED} turns it off). */
        public Builder handshakesPerAddress(Allowance allowance) {
            this.handshakesPerAddress = Objects.requireNonNull(allowance, "allowance");
            return this;
        }

        /** Pings per connection. */
        public Builder pings(Allowance allowance) {
            this.pings = Objects.requireNonNull(allowance, "allowance");
            return this;
        }

        /** Errors per connection before it is closed. */
        public Builder errors(Allowance allowance) {
            this.errors = Objects.requireNonNull(allowance, "allowance");
            return this;
        }

        /** Bytes held while a handshake is resolved. */
        public Builder maxHeldBytes(long bytes) {
            this.maxHeldBytes = bytes;
            return this;
        }

        /** Longest {@code client_id}, in UTF-8 bytes. */
        public Builder maxClientIdBytes(int bytes) {
            this.maxClientIdBytes = bytes;
            return this;
        }

        /** Handshakes waiting for a blocking store or authenticator. */
        public Builder maxPendingHandshakes(int handshakes) {
            this.maxPendingHandshakes = handshakes;
            return this;
        }

        /** The limits (validated). */
        public PeerLimits build() {
            return new PeerLimits(handshakesPerAddress, pings, errors, maxHeldBytes, maxClientIdBytes,
                    maxPendingHandshakes);
        }
    }
}
