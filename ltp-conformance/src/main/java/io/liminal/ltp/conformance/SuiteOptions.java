package io.liminal.ltp.conformance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * How a run is set up: which cases run, how long the suite waits, and which optional features of the
 * implementation it may check. Immutable; build with {@link #builder()}.
 */
public final class SuiteOptions {
    /** What carries the server-role cases' connections. */
    public enum Transport {
        /** WebSocket, the protocol's own transport (the default). */
        WEBSOCKET,
        /** The sse-v1 binding at {@code /ltp/sse} of the target's host (docs/extensions/sse-v1.md). */
        SSE
    }

    private final List<String> idPrefixes;
    private final Set<Level> levels;
    private final Duration replyTimeout;
    private final Duration caseTimeout;
    private final Duration maxHeartbeatWait;
    private final String authToken;
    private final String signingSecret;
    private final boolean replayProtection;
    private final Map<String, String> headers;
    private final SSLContext sslContext;
    private final int clientHeartbeatMs;
    private final boolean fullReconnectSchedule;
    private final boolean strict;
    private final ServerProfile server;
    private final int parallelism;
    private final Transport transport;

    private SuiteOptions(Builder builder) {
        this.idPrefixes = List.copyOf(builder.idPrefixes);
        this.levels = Set.copyOf(builder.levels);
        this.replyTimeout = builder.replyTimeout;
        this.caseTimeout = builder.caseTimeout;
        this.maxHeartbeatWait = builder.maxHeartbeatWait;
        this.authToken = builder.authToken;
        this.signingSecret = builder.signingSecret;
        this.replayProtection = builder.replayProtection;
        this.headers = Map.copyOf(builder.headers);
        this.sslContext = builder.sslContext;
        this.clientHeartbeatMs = builder.clientHeartbeatMs;
        this.fullReconnectSchedule = builder.fullReconnectSchedule;
        this.strict = builder.strict;
        this.server = builder.server;
        this.parallelism = builder.parallelism;
        this.transport = builder.transport;
    }

    /** What carries the server-role cases' connections (WebSocket by default). */
    public Transport transport() {
        return transport;
    }

    /** Defaults: every case and level, 3 s per reply, 60 s per case. */
    public static SuiteOptions defaults() {
        return builder().build();
    }

    /** A new builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether a case with this ID and level is selected by the filters. */
    public boolean selects(String id, Level level) {
        if (!levels.contains(level)) {
            return false;
        }
        if (idPrefixes.isEmpty()) {
            return true;
        }
        for (String prefix : idPrefixes) {
            if (id.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** How long the suite waits for an expected message. */
    public Duration replyTimeout() {
        return replyTimeout;
    }

    /** How long one case may run in total before it fails as timed out. */
    public Duration caseTimeout() {
        return caseTimeout;
    }

    /**
     * The longest a heartbeat case may wait: heartbeat cases of the server role need about 3 × the server's
     * heartbeat interval and are skipped when that is longer.
     */
    public Duration maxHeartbeatWait() {
        return maxHeartbeatWait;
    }

    /** The token the server under test accepts in {@code metadata.auth_token}, or {@code null} (auth cases skip). */
    public String authToken() {
        return authToken;
    }

    /** The HMAC secret when the server has the signing extension on, or {@code null} (signing cases skip). */
    public String signingSecret() {
        return signingSecret;
    }

    /** Whether the server has replay protection on (§11.5); its cases skip otherwise. */
    public boolean replayProtection() {
        return replayProtection;
    }

    /** Extra headers for every upgrade request of the server role. */
    public Map<String, String> headers() {
        return headers;
    }

    /** TLS settings for {@code wss://} targets, or {@code null} for the JDK defaults. */
    public SSLContext sslContext() {
        return sslContext;
    }

    /** The heartbeat interval the scripted server announces in the client role, in milliseconds. */
    public int clientHeartbeatMs() {
        return clientHeartbeatMs;
    }

    /**
     * Whether the client-role reconnect case waits for the whole default schedule (1, 2, 4, 8, 16 s, then no 6th
     * attempt: about 40 s) rather than the first three delays.
     */
    public boolean fullReconnectSchedule() {
        return fullReconnectSchedule;
    }

    /** Whether a SHOULD not met fails (and the report does not pass) instead of warning. */
    public boolean strict() {
        return strict;
    }

    /** What the server under test is declared to be configured to do ({@link ServerProfile#NONE} by default). */
    public ServerProfile server() {
        return server;
    }

    /**
     * How many server-role cases run at once (default 6). Cases that measure time always run alone, after the
     * others. With a per-client connection cap and a token (every connection then is the same client), one.
     */
    public int parallelism() {
        return server.maxConnectionsPerClient() > 0 && identity() == ServerProfile.Identity.TOKEN ? 1 : parallelism;
    }

    /** Whom the server counts limits against: as declared, else the token when there is one, else the thread. */
    public ServerProfile.Identity identity() {
        if (server.identity() != null) {
            return server.identity();
        }
        return authToken != null ? ServerProfile.Identity.TOKEN : ServerProfile.Identity.THREAD;
    }

    /** Builds {@link SuiteOptions}. */
    public static final class Builder {
        private final List<String> idPrefixes = new ArrayList<>();
        private Set<Level> levels = EnumSet.allOf(Level.class);
        private Duration replyTimeout = Duration.ofSeconds(3);
        private Duration caseTimeout = Duration.ofSeconds(60);
        private Duration maxHeartbeatWait = Duration.ofSeconds(20);
        private String authToken;
        private String signingSecret;
        private boolean replayProtection;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private SSLContext sslContext;
        private Transport transport = Transport.WEBSOCKET;
        private int clientHeartbeatMs = 500;
        private boolean fullReconnectSchedule = true;
        private boolean strict;
        private ServerProfile server = ServerProfile.NONE;
        private int parallelism = 6;

        private Builder() {
        }

        /** What the server under test is configured to do (limits, caps, timers, push trigger). */
        public Builder server(ServerProfile profile) {
            this.server = Objects.requireNonNull(profile, "profile");
            return this;
        }

        /**
         * Takes a profile file's JSON text: the {@link ServerProfile} it declares and, when present, its
         * {@code auth_token}, {@code signing_secret} and {@code replay_protection}.
         *
         * @throws IllegalArgumentException when the text is not a valid profile
         */
        public Builder profile(String json) {
            server(ServerProfile.parse(json));
            com.google.gson.JsonObject root = ServerProfile.root(json);
            if (root.has("auth_token")) {
                authToken(ServerProfile.string(root, "auth_token"));
            }
            if (root.has("signing_secret")) {
                signingSecret(ServerProfile.string(root, "signing_secret"));
            }
            if (root.has("replay_protection")) {
                replayProtection(ServerProfile.bool(root, "replay_protection"));
            }
            return this;
        }

        /** How many server-role cases run at once (default 6; 1 runs them one after another). */
        public Builder parallelism(int cases) {
            if (cases < 1) {
                throw new IllegalArgumentException("parallelism must be at least 1");
            }
            this.parallelism = cases;
            return this;
        }

        /** Runs only cases whose ID starts with one of these ({@code "LTP-HS"}, {@code "LTP-ENV-005"}). */
        public Builder only(String... prefixes) {
            idPrefixes.addAll(List.of(prefixes));
            return this;
        }

        /** Runs only cases of these levels. */
        public Builder levels(Level first, Level... rest) {
            this.levels = EnumSet.of(first, rest);
            return this;
        }

        /** How long to wait for an expected message (default 3 s). */
        public Builder replyTimeout(Duration timeout) {
            this.replyTimeout = positive(timeout);
            return this;
        }

        /** How long one case may run (default 60 s). */
        public Builder caseTimeout(Duration timeout) {
            this.caseTimeout = positive(timeout);
            return this;
        }

        /** The longest a server heartbeat case may wait (default 20 s). */
        public Builder maxHeartbeatWait(Duration wait) {
            this.maxHeartbeatWait = positive(wait);
            return this;
        }

        /** A token the server accepts; enables the LTP-SEC-007 cases. */
        public Builder authToken(String token) {
            this.authToken = token;
            return this;
        }

        /** The server's HMAC secret; enables the signing cases (and signs every envelope the suite sends). */
        public Builder signingSecret(String secret) {
            this.signingSecret = secret;
            return this;
        }

        /** The server has replay protection on; enables LTP-SEC-005 and LTP-SEC-006. */
        public Builder replayProtection(boolean on) {
            this.replayProtection = on;
            return this;
        }

        /** Adds a header to every upgrade request. */
        public Builder header(String name, String value) {
            headers.put(Objects.requireNonNull(name), Objects.requireNonNull(value));
            return this;
        }

        /** TLS settings for {@code wss://} targets. */
        /**
         * Runs the server-role cases over {@code transport}; over {@link Transport#SSE} the WebSocket-only cases
         * (subprotocol selection) skip, and a message over the size limit is checked as the binding's HTTP 413.
         */
        public Builder transport(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        public Builder sslContext(SSLContext context) {
            this.sslContext = context;
            return this;
        }

        /** The heartbeat interval the client-role scripted server announces (default 500 ms). */
        public Builder clientHeartbeatMs(int millis) {
            if (millis <= 0) {
                throw new IllegalArgumentException("heartbeat must be positive");
            }
            this.clientHeartbeatMs = millis;
            return this;
        }

        /** Whether the reconnect case checks the whole default schedule (default true, about 40 s). */
        public Builder fullReconnectSchedule(boolean full) {
            this.fullReconnectSchedule = full;
            return this;
        }

        /**
         * Strict: a SHOULD not met fails, and so does a case's warning; the report then passes only when nothing
         * failed. Default false: only MUSTs fail.
         */
        public Builder strict(boolean on) {
            this.strict = on;
            return this;
        }

        /** The options. */
        public SuiteOptions build() {
            return new SuiteOptions(this);
        }

        private static Duration positive(Duration duration) {
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("duration must be positive: " + duration);
            }
            return duration;
        }
    }
}
