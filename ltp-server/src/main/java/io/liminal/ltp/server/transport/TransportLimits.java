package io.liminal.ltp.server.transport;

import io.liminal.ltp.core.session.Allowance;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a transport bounds before and around the LTP engine, against peers that connect and never upgrade, send
 * slowly, never read, fragment without end or flood control frames. docs/security.md lists each bound with its
 * default, what the peer sees and the metric that counts it.
 *
 * @param maxPendingConnections connections (TCP or TLS) that have not completed a WebSocket upgrade yet, HTTP
 *     endpoint connections included; more are closed as soon as they are accepted
 * @param maxPendingPerAddress such connections per remote address (0: no bound); trusted proxies are exempt
 * @param requestTimeout time to send a complete HTTP request (the upgrade, or the next request on a keep-alive
 *     connection); then the connection is closed
 * @param closeTimeout time a close may take: after it, a connection whose close frame could not be written (the
 *     peer does not read) or that did not close its side is dropped
 * @param maxFragmentsPerMessage frames one message may be split into; more close the connection 1008
 * @param maxBufferedInboundBytes bytes of unfinished inbound messages held over all connections; a connection
 *     whose message would pass it is closed 1013 (try again later)
 * @param controlFrames WebSocket pings a connection may send; past the allowance they are not answered, and a
 *     connection that keeps sending them is closed 1008
 * @param maxOutboundBytesPerConnection bytes written to a connection and not yet read by its peer; past them the
 *     connection is closed 1008 "Slow consumer" (reading from it pauses long before)
 * @param allowedOrigins browser origins ({@code Origin} header) allowed to upgrade, e.g.
 *     {@code https://app.example.com}; empty allows any. Requests without an {@code Origin} (non-browser clients)
 *     are always allowed
 * @param separateEndpoints when the HTTP endpoints have a port of their own, whether {@code /metrics} and
 *     {@code /admin/*} are served there only (the WebSocket port keeps {@code /health} and {@code /ready})
 * @param sseStreamWait how long an sse-v1 connection waits for its cut event stream to be reopened; then it ends
 *     as a dropped connection (docs/extensions/sse-v1.md §5)
 * @param sseKeepAlive how often an sse-v1 event stream gets a comment line, so that proxies do not cut it as idle
 */
public record TransportLimits(int maxPendingConnections, int maxPendingPerAddress, Duration requestTimeout,
        Duration closeTimeout, int maxFragmentsPerMessage, long maxBufferedInboundBytes, Allowance controlFrames,
        long maxOutboundBytesPerConnection, List<String> allowedOrigins, boolean separateEndpoints,
        Duration sseStreamWait, Duration sseKeepAlive) {

    /** The defaults: safe on the internet without configuration. */
    public static final TransportLimits DEFAULTS = new TransportLimits(1_000, 64, Duration.ofSeconds(10),
            Duration.ofSeconds(5), 1_024, 256L << 20, Allowance.of(20, Duration.ofSeconds(10)), 4L << 20, List.of(),
            true, Duration.ofSeconds(30), Duration.ofSeconds(15));

    /** Validates the values. */
    public TransportLimits {
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        Objects.requireNonNull(controlFrames, "controlFrames");
        Objects.requireNonNull(sseStreamWait, "sseStreamWait");
        Objects.requireNonNull(sseKeepAlive, "sseKeepAlive");
        allowedOrigins = List.copyOf(allowedOrigins);
        if (maxPendingConnections < 1 || maxPendingPerAddress < 0 || maxFragmentsPerMessage < 1
                || maxBufferedInboundBytes < 1 || maxOutboundBytesPerConnection < 1
                || requestTimeout.toMillis() < 1 || closeTimeout.toMillis() < 1 || sseStreamWait.toMillis() < 1
                || sseKeepAlive.toMillis() < 1) {
            throw new IllegalArgumentException("transport limits must be positive: " + this);
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

    /** Whether a browser origin may upgrade. */
    public boolean allowsOrigin(String origin) {
        if (origin == null || allowedOrigins.isEmpty()) {
            return true;
        }
        for (String allowed : allowedOrigins) {
            if (allowed.equalsIgnoreCase(origin)) {
                return true;
            }
        }
        return false;
    }

    /** Builds {@link TransportLimits}; each setter names one component above. */
    public static final class Builder {
        private int maxPendingConnections;
        private int maxPendingPerAddress;
        private Duration requestTimeout;
        private Duration closeTimeout;
        private int maxFragmentsPerMessage;
        private long maxBufferedInboundBytes;
        private Allowance controlFrames;
        private long maxOutboundBytesPerConnection;
        private List<String> allowedOrigins;
        private boolean separateEndpoints;
        private Duration sseStreamWait;
        private Duration sseKeepAlive;

        private Builder(TransportLimits from) {
            maxPendingConnections = from.maxPendingConnections;
            maxPendingPerAddress = from.maxPendingPerAddress;
            requestTimeout = from.requestTimeout;
            closeTimeout = from.closeTimeout;
            maxFragmentsPerMessage = from.maxFragmentsPerMessage;
            maxBufferedInboundBytes = from.maxBufferedInboundBytes;
            controlFrames = from.controlFrames;
            maxOutboundBytesPerConnection = from.maxOutboundBytesPerConnection;
            allowedOrigins = from.allowedOrigins;
            separateEndpoints = from.separateEndpoints;
            sseStreamWait = from.sseStreamWait;
            sseKeepAlive = from.sseKeepAlive;
        }

        public Builder maxPendingConnections(int max) {
            this.maxPendingConnections = max;
            return this;
        }

        public Builder maxPendingPerAddress(int max) {
            this.maxPendingPerAddress = max;
            return this;
        }

        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = timeout;
            return this;
        }

        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = timeout;
            return this;
        }

        public Builder maxFragmentsPerMessage(int max) {
            this.maxFragmentsPerMessage = max;
            return this;
        }

        public Builder maxBufferedInboundBytes(long max) {
            this.maxBufferedInboundBytes = max;
            return this;
        }

        public Builder controlFrames(Allowance allowance) {
            this.controlFrames = allowance;
            return this;
        }

        public Builder maxOutboundBytesPerConnection(long max) {
            this.maxOutboundBytesPerConnection = max;
            return this;
        }

        public Builder allowedOrigins(List<String> origins) {
            this.allowedOrigins = origins;
            return this;
        }

        public Builder separateEndpoints(boolean separate) {
            this.separateEndpoints = separate;
            return this;
        }

        public Builder sseStreamWait(Duration wait) {
            this.sseStreamWait = wait;
            return this;
        }

        public Builder sseKeepAlive(Duration interval) {
            this.sseKeepAlive = interval;
            return this;
        }

        /** The limits (validated). */
        public TransportLimits build() {
            return new TransportLimits(maxPendingConnections, maxPendingPerAddress, requestTimeout, closeTimeout,
                    maxFragmentsPerMessage, maxBufferedInboundBytes, controlFrames, maxOutboundBytesPerConnection,
                    allowedOrigins, separateEndpoints, sseStreamWait, sseKeepAlive);
        }
    }
}
