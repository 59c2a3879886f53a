package io.liminal.ltp.conformance;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * What the server under test is configured to do, as far as the suite must know it: the limits its traffic must
 * stay under, the caps and timers whose rules it can then check, and how to make the application push. The suite
 * never guesses these: a rule that depends on something not declared here is skipped with the reason, and an
 * undeclared limit that bites makes a case inconclusive, never failed. Immutable; build with {@link #builder()}
 * or read a profile file with {@link #parse(String)} (docs/conformance.md, "Server profile").
 */
public final class ServerProfile {
    /** Nothing declared: the spec's defaults and no optional behaviour. */
    public static final ServerProfile NONE = builder().build();

    /** Whom the server counts a rate limit and a per-client connection cap against. */
    public enum Identity {
        /** Each thread (ltp-server without authentication). */
        THREAD,
        /** Each {@code client_id} (ltp-server when the authenticator's principal is the client id). */
        CLIENT,
        /** The token: every connection of the run is one identity (the default when a token is given). */
        TOKEN
    }

    private static final Set<String> KEYS = Set.of("identity", "rate_limit", "handshake_limit", "max_connections_per_client",
            "max_connections_per_thread", "thread_ttl_ms", "heartbeat_interval_ms", "idle_close",
            "max_client_id_bytes", "broadcast_trigger", "auth_token", "signing_secret", "replay_protection");

    private final int rateLimitMessages;
    private final Duration rateLimitWindow;
    private final int handshakeLimit;
    private final Duration handshakeLimitWindow;
    private final int maxConnectionsPerClient;
    private final int maxConnectionsPerThread;
    private final Duration threadTtl;
    private final Duration heartbeatInterval;
    private final boolean idleClose;
    private final int maxClientIdBytes;
    private final JsonObject broadcastTrigger;
    private final Identity identity;

    private ServerProfile(Builder builder) {
        this.rateLimitMessages = builder.rateLimitMessages;
        this.rateLimitWindow = builder.rateLimitWindow;
        this.handshakeLimit = builder.handshakeLimit;
        this.handshakeLimitWindow = builder.handshakeLimitWindow;
        this.maxConnectionsPerClient = builder.maxConnectionsPerClient;
        this.maxConnectionsPerThread = builder.maxConnectionsPerThread;
        this.threadTtl = builder.threadTtl;
        this.heartbeatInterval = builder.heartbeatInterval;
        this.idleClose = builder.idleClose;
        this.maxClientIdBytes = builder.maxClientIdBytes;
        this.broadcastTrigger = builder.broadcastTrigger == null ? null : builder.broadcastTrigger.deepCopy();
        this.identity = builder.identity;
    }

    /** A new builder with nothing declared. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads a profile file's JSON text (keys as in docs/conformance.md). The file may also hold {@code auth_token},
     * {@code signing_secret} and {@code replay_protection}, which {@link SuiteOptions.Builder#profile(String)}
     * takes; unknown keys are refused, so that a misspelt limit is not silently ignored.
     *
     * @throws IllegalArgumentException when the text is not a valid profile
     */
    public static ServerProfile parse(String json) {
        JsonObject root = root(json);
        Builder builder = builder();
        if (root.has("rate_limit")) {
            JsonElement element = member(root, "rate_limit");
            if (!element.isJsonObject()) {
                throw new IllegalArgumentException("Profile key rate_limit must be {\"messages\": n, \"window_ms\": ms}");
            }
            JsonObject rate = element.getAsJsonObject();
            builder.rateLimit(integer(rate, "messages"), Duration.ofMillis(integer(rate, "window_ms")));
        }
        if (root.has("handshake_limit")) {
            JsonElement element = member(root, "handshake_limit");
            if (!element.isJsonObject()) {
                throw new IllegalArgumentException("Profile key handshake_limit must be {\"handshakes\": n, "
                        + "\"window_ms\": ms}");
            }
            JsonObject limit = element.getAsJsonObject();
            builder.handshakeLimit(integer(limit, "handshakes"), Duration.ofMillis(integer(limit, "window_ms")));
        }
        if (root.has("max_connections_per_client")) {
            builder.maxConnectionsPerClient(integer(root, "max_connections_per_client"));
        }
        if (root.has("max_connections_per_thread")) {
            builder.maxConnectionsPerThread(integer(root, "max_connections_per_thread"));
        }
        if (root.has("thread_ttl_ms")) {
            builder.threadTtl(Duration.ofMillis(integer(root, "thread_ttl_ms")));
        }
        if (root.has("heartbeat_interval_ms")) {
            builder.heartbeatInterval(Duration.ofMillis(integer(root, "heartbeat_interval_ms")));
        }
        if (root.has("idle_close")) {
            builder.idleClose(bool(root, "idle_close"));
        }
        if (root.has("max_client_id_bytes")) {
            builder.maxClientIdBytes(integer(root, "max_client_id_bytes"));
        }
        if (root.has("identity")) {
            String identity = string(root, "identity");
            try {
                builder.identity(Identity.valueOf(identity.toUpperCase(java.util.Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Profile key identity must be thread, client or token, not \""
                        + identity + "\"");
            }
        }
        if (root.has("broadcast_trigger")) {
            JsonElement trigger = root.get("broadcast_trigger");
            if (!trigger.isJsonObject()) {
                throw new IllegalArgumentException("Profile key broadcast_trigger must be an object with type and "
                        + "payload");
            }
            builder.broadcastTrigger(trigger.getAsJsonObject());
        }
        return builder.build();
    }

    static JsonObject root(String json) {
        JsonElement parsed;
        try {
            parsed = JsonParser.parseString(json);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("The profile is not JSON: " + e.getMessage());
        }
        if (!parsed.isJsonObject()) {
            throw new IllegalArgumentException("The profile must be a JSON object");
        }
        JsonObject root = parsed.getAsJsonObject();
        for (String key : root.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("Unknown profile key \"" + key + "\"; known keys: "
                        + KEYS.stream().sorted().toList());
            }
        }
        return root;
    }

    private static JsonElement member(JsonObject object, String key) {
        JsonElement value = object.get(key);
        if (value == null || value.isJsonNull()) {
            throw new IllegalArgumentException("Profile key " + key + " is missing");
        }
        return value;
    }

    static int integer(JsonObject object, String key) {
        JsonElement value = member(object, key);
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isNumber()
                || value.getAsDouble() != Math.rint(value.getAsDouble()) || value.getAsDouble() < 0
                || value.getAsDouble() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Profile key " + key + " must be a non-negative integer, not " + value);
        }
        return value.getAsInt();
    }

    static boolean bool(JsonObject object, String key) {
        JsonElement value = member(object, key);
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isBoolean()) {
            throw new IllegalArgumentException("Profile key " + key + " must be true or false, not " + value);
        }
        return value.getAsBoolean();
    }

    static String string(JsonObject object, String key) {
        JsonElement value = member(object, key);
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isString()) {
            throw new IllegalArgumentException("Profile key " + key + " must be a string");
        }
        return value.getAsString();
    }

    /** Messages allowed per {@link #rateLimitWindow()} and identity, or 0 when no rate limit is declared. */
    public int rateLimitMessages() {
        return rateLimitMessages;
    }

    /** The rate limit's window, or {@code null} when none is declared. */
    public Duration rateLimitWindow() {
        return rateLimitWindow;
    }

    /** Handshakes allowed per {@link #handshakeLimitWindow()} from one address, or 0 when none is declared. */
    public int handshakeLimit() {
        return handshakeLimit;
    }

    /** The handshake limit's window, or {@code null} when none is declared. */
    public Duration handshakeLimitWindow() {
        return handshakeLimitWindow;
    }

    /** Live connections one client may hold, or 0 when no cap is declared. */
    public int maxConnectionsPerClient() {
        return maxConnectionsPerClient;
    }

    /** Live connections one thread may have, or 0 when no cap is declared. */
    public int maxConnectionsPerThread() {
        return maxConnectionsPerThread;
    }

    /** How long a thread stays resumable after its last activity, or {@code null}: the spec's 30 minutes. */
    public Duration threadTtl() {
        return threadTtl;
    }

    /** The heartbeat interval the server announces, or {@code null} when not declared (the ack says it). */
    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /** Whether the server closes a connection after 2 × the heartbeat interval without messages (§7, a MAY). */
    public boolean idleClose() {
        return idleClose;
    }

    /** The longest {@code client_id} in UTF-8 bytes the server accepts, or 0 when not declared. */
    public int maxClientIdBytes() {
        return maxClientIdBytes;
    }

    /**
     * An envelope's {@code type} and {@code payload} that make the server's application push a message to every
     * live connection of the sender's thread, or {@code null} when the server has no such trigger.
     */
    public JsonObject broadcastTrigger() {
        return broadcastTrigger == null ? null : broadcastTrigger.deepCopy();
    }

    /**
     * Whom the server counts its rate limit and per-client cap against, or {@code null} when not declared: then the
     * token when the run has one (all connections are one identity), else the thread.
     */
    public Identity identity() {
        return identity;
    }

    /** Builds a {@link ServerProfile}. */
    public static final class Builder {
        private int rateLimitMessages;
        private Duration rateLimitWindow;
        private int handshakeLimit;
        private Duration handshakeLimitWindow;
        private int maxConnectionsPerClient;
        private int maxConnectionsPerThread;
        private Duration threadTtl;
        private Duration heartbeatInterval;
        private boolean idleClose;
        private int maxClientIdBytes;
        private JsonObject broadcastTrigger;
        private Identity identity;

        private Builder() {
        }

        /** Whom the server counts its rate limit and per-client cap against. */
        public Builder identity(Identity identity) {
            this.identity = Objects.requireNonNull(identity, "identity");
            return this;
        }

        /** The server allows {@code messages} per {@code window} and identity (pings and handshakes exempt). */
        public Builder rateLimit(int messages, Duration window) {
            if (messages <= 0 || window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("rate limit must be positive: " + messages + " per " + window);
            }
            this.rateLimitMessages = messages;
            this.rateLimitWindow = window;
            return this;
        }

        /** The server allows {@code handshakes} per {@code window} from one address (the suite has one). */
        public Builder handshakeLimit(int handshakes, Duration window) {
            if (handshakes <= 0 || window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("handshake limit must be positive: " + handshakes + " per "
                        + window);
            }
            this.handshakeLimit = handshakes;
            this.handshakeLimitWindow = window;
            return this;
        }

        /** The server caps live connections per client at {@code max} (0: no cap). */
        public Builder maxConnectionsPerClient(int max) {
            this.maxConnectionsPerClient = notNegative(max);
            return this;
        }

        /** The server caps live connections per thread at {@code max}, closing the oldest (0: no cap). */
        public Builder maxConnectionsPerThread(int max) {
            this.maxConnectionsPerThread = notNegative(max);
            return this;
        }

        /** Threads stay resumable this long after their last activity. */
        public Builder threadTtl(Duration ttl) {
            this.threadTtl = positive(ttl);
            return this;
        }

        /** The heartbeat interval the server announces. */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = positive(interval);
            return this;
        }

        /** The server closes connections after 2 × the heartbeat interval of silence. */
        public Builder idleClose(boolean on) {
            this.idleClose = on;
            return this;
        }

        /** The longest client id, in UTF-8 bytes, that the server accepts. */
        public Builder maxClientIdBytes(int bytes) {
            this.maxClientIdBytes = notNegative(bytes);
            return this;
        }

        /**
         * The {@code type} and {@code payload} of an envelope that makes the application push to the whole thread,
         * e.g. {@code {"type":"event","payload":{"event_type":"broadcast","data":{}}}}.
         */
        public Builder broadcastTrigger(JsonObject trigger) {
            Objects.requireNonNull(trigger, "trigger");
            JsonElement type = trigger.get("type");
            if (type == null || !type.isJsonPrimitive() || !type.getAsJsonPrimitive().isString()
                    || !(trigger.get("payload") instanceof JsonObject)) {
                throw new IllegalArgumentException("broadcast_trigger needs a string type and an object payload");
            }
            this.broadcastTrigger = trigger.deepCopy();
            return this;
        }

        /** The profile. */
        public ServerProfile build() {
            return new ServerProfile(this);
        }

        private static int notNegative(int value) {
            if (value < 0) {
                throw new IllegalArgumentException("must not be negative: " + value);
            }
            return value;
        }

        private static Duration positive(Duration duration) {
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("duration must be positive: " + duration);
            }
            return duration;
        }
    }
}
