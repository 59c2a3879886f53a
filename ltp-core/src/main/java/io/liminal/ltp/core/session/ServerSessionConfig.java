package io.liminal.ltp.core.session;

import com.google.gson.JsonObject;
import io.liminal.ltp.core.codec.Limits;
import io.liminal.ltp.core.message.HandshakeAck;
import io.liminal.ltp.core.security.EnvelopeSigner;
import io.liminal.ltp.core.security.EnvelopeVerifier;
import io.liminal.ltp.core.security.NonceGenerator;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What a {@link ServerConnectionMachine} needs to know about its server. Immutable; one instance serves every
 * connection.
 */
public final class ServerSessionConfig {
    /** Capabilities the reference server advertises. */
    public static final List<String> DEFAULT_CAPABILITIES = List.of("basic-state-update", "ping-pong", "events");
    /** Frames held while a handshake is being resolved; more close the connection (1008). */
    public static final int DEFAULT_MAX_HELD_FRAMES = 256;
    /** Default bound on the bytes of frames held while a handshake is resolved: 1 MiB. */
    public static final long DEFAULT_MAX_HELD_BYTES = 1L << 20;
    /** Default pings per connection: 20 per 10 s (heartbeats come every 15 s; clients may ping more often). */
    public static final Allowance DEFAULT_PING_ALLOWANCE = Allowance.of(20, java.time.Duration.ofSeconds(10));
    /** Default errors a connection may cause: 50 per 10 s, then it is closed 1008 (§6: MAY close on abuse). */
    public static final Allowance DEFAULT_ERROR_ALLOWANCE = Allowance.of(50, java.time.Duration.ofSeconds(10));

    private final Limits limits;
    private final long heartbeatIntervalMs;
    private final List<String> capabilities;
    private final JsonObject ackMetadata;
    private final Clock clock;
    private final NonceGenerator nonces;
    private final Predicate<String> customTypeRoute;
    private final EnvelopeVerifier verifier;
    private final Function<String, EnvelopeSigner> outboundSigners;
    private final int maxHeldFrames;
    private final long maxHeldBytes;
    private final Allowance pings;
    private final Allowance errors;
    private final Predicate<String> rateLimitExempt;

    private ServerSessionConfig(Builder builder) {
        this.limits = builder.limits;
        this.heartbeatIntervalMs = builder.heartbeatIntervalMs;
        this.capabilities = List.copyOf(builder.capabilities);
        this.ackMetadata = builder.ackMetadata == null ? null : builder.ackMetadata.deepCopy();
        this.clock = builder.clock;
        this.nonces = builder.nonces == null ? NonceGenerator.legacy("server", builder.clock) : builder.nonces;
        this.customTypeRoute = builder.customTypeRoute;
        this.verifier = builder.verifier;
        this.outboundSigners = builder.outboundSigners;
        this.maxHeldFrames = builder.maxHeldFrames;
        this.maxHeldBytes = builder.maxHeldBytes;
        this.pings = builder.pings;
        this.errors = builder.errors;
        this.rateLimitExempt = builder.rateLimitExempt;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Size limits of inbound messages. */
    public Limits limits() {
        return limits;
    }

    /** {@code heartbeat_interval_ms} put in every ack. */
    public long heartbeatIntervalMs() {
        return heartbeatIntervalMs;
    }

    /** {@code server_capabilities} put in every ack unless the handshake resolution says otherwise. */
    public List<String> capabilities() {
        return capabilities;
    }

    /** {@code metadata} put in every ack, or {@code null}. Owned by this config: do not modify. */
    public JsonObject ackMetadata() {
        return ackMetadata;
    }

    /** Source of envelope timestamps. */
    public Clock clock() {
        return clock;
    }

    /** Nonces of envelopes the server sends. */
    public NonceGenerator nonces() {
        return nonces;
    }

    /** Whether a custom {@code namespace:type} has a handler. */
    public boolean routes(String customType) {
        return customTypeRoute.test(customType);
    }

    /** Verification of inbound envelopes under the security extensions. */
    public EnvelopeVerifier verifier() {
        return verifier;
    }

    /** The signer for envelopes sent to a client, or {@code null} when outbound signing is off for it. */
    public EnvelopeSigner outboundSigner(String clientId) {
        return outboundSigners == null || clientId == null ? null : outboundSigners.apply(clientId);
    }

    /** How many frames a connection may send while its handshake is being resolved. */
    public int maxHeldFrames() {
        return maxHeldFrames;
    }

    /** Most bytes of frames held while a handshake is resolved. */
    public long maxHeldBytes() {
        return maxHeldBytes;
    }

    /** Pings a connection may send; more are answered {@code RATE_LIMIT_EXCEEDED}. */
    public Allowance pings() {
        return pings;
    }

    /** Errors a connection may cause; past them it is closed 1008 {@code "Too many errors"}. */
    public Allowance errors() {
        return errors;
    }

    /** Whether a (custom) message type is exempt from the rate limit, like {@code ping}. */
    public boolean rateLimitExempt(String type) {
        return rateLimitExempt.test(type);
    }

    /** Builds a {@link ServerSessionConfig}. */
    public static final class Builder {
        private Limits limits = Limits.defaults();
        private long heartbeatIntervalMs = HandshakeAck.DEFAULT_HEARTBEAT_INTERVAL_MS;
        private List<String> capabilities = DEFAULT_CAPABILITIES;
        private JsonObject ackMetadata;
        private Clock clock = Clock.systemUTC();
        private NonceGenerator nonces;
        private Predicate<String> customTypeRoute = type -> false;
        private EnvelopeVerifier verifier = EnvelopeVerifier.none();
        private Function<String, EnvelopeSigner> outboundSigners;
        private int maxHeldFrames = DEFAULT_MAX_HELD_FRAMES;
        private long maxHeldBytes = DEFAULT_MAX_HELD_BYTES;
        private Allowance pings = DEFAULT_PING_ALLOWANCE;
        private Allowance errors = DEFAULT_ERROR_ALLOWANCE;
        private Predicate<String> rateLimitExempt = type -> false;

        private Builder() {
        }

        /** Custom types not counted by the rate limit, such as acknowledgements (default none). */
        public Builder rateLimitExempt(Predicate<String> exempt) {
            this.rateLimitExempt = Objects.requireNonNull(exempt, "exempt");
            return this;
        }

        /** Inbound limits (default: the spec's). */
        public Builder limits(Limits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** Ping cadence announced in acks (default 15,000 ms). */
        public Builder heartbeatIntervalMs(long intervalMs) {
            if (intervalMs <= 0) {
                throw new IllegalArgumentException("heartbeatIntervalMs must be positive but was " + intervalMs);
            }
            this.heartbeatIntervalMs = intervalMs;
            return this;
        }

        /** {@code server_capabilities} (default: the reference server's). */
        public Builder capabilities(List<String> capabilities) {
            this.capabilities = Objects.requireNonNull(capabilities, "capabilities");
            return this;
        }

        /** {@code metadata} of acks, e.g. {@code {"server_version":"0.3.0","region":"local"}}. */
        public Builder ackMetadata(JsonObject ackMetadata) {
            this.ackMetadata = ackMetadata;
            return this;
        }

        /** Clock for timestamps (default UTC system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Nonces of outbound envelopes (default {@code server-<epoch_ms>-<16 hex>} from the clock). */
        public Builder nonces(NonceGenerator nonces) {
            this.nonces = Objects.requireNonNull(nonces, "nonces");
            return this;
        }

        /** Which custom types have handlers; others get {@code UNKNOWN_MESSAGE_TYPE} (default none). */
        public Builder customTypeRoute(Predicate<String> route) {
            this.customTypeRoute = Objects.requireNonNull(route, "route");
            return this;
        }

        /** Inbound verification under the security extensions (default none). */
        public Builder verifier(EnvelopeVerifier verifier) {
            this.verifier = Objects.requireNonNull(verifier, "verifier");
            return this;
        }

        /** Signers of outbound envelopes by client id, for the signing extension (default off). */
        public Builder outboundSigners(Function<String, EnvelopeSigner> signers) {
            this.outboundSigners = signers;
            return this;
        }

        /** Frames held while a handshake is resolved (default 256). */
        public Builder maxHeldFrames(int maxHeldFrames) {
            if (maxHeldFrames <= 0) {
                throw new IllegalArgumentException("maxHeldFrames must be positive but was " + maxHeldFrames);
            }
            this.maxHeldFrames = maxHeldFrames;
            return this;
        }

        /** Bytes of frames held while a handshake is resolved (default 1 MiB). */
        public Builder maxHeldBytes(long maxHeldBytes) {
            if (maxHeldBytes <= 0) {
                throw new IllegalArgumentException("maxHeldBytes must be positive but was " + maxHeldBytes);
            }
            this.maxHeldBytes = maxHeldBytes;
            return this;
        }

        /** Pings a connection may send (default {@link #DEFAULT_PING_ALLOWANCE}). */
        public Builder pings(Allowance pings) {
            this.pings = Objects.requireNonNull(pings, "pings");
            return this;
        }

        /** Errors a connection may cause before it is closed (default {@link #DEFAULT_ERROR_ALLOWANCE}). */
        public Builder errors(Allowance errors) {
            this.errors = Objects.requireNonNull(errors, "errors");
            return this;
        }

        /** The config. */
        public ServerSessionConfig build() {
            return new ServerSessionConfig(this);
        }
    }
}
