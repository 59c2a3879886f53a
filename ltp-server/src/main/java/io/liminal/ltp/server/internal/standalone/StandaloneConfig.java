package io.liminal.ltp.server.internal.standalone;

import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.core.codec.Limits;
import io.liminal.ltp.core.internal.text.Redaction;
import io.liminal.ltp.core.session.Allowance;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.PeerLimits;
import io.liminal.ltp.server.TlsConfig;
import io.liminal.ltp.server.auth.JwtAuthenticator;
import io.liminal.ltp.server.cluster.ClusterBus;
import io.liminal.ltp.server.cluster.ClusterBusProvider;
import io.liminal.ltp.server.store.ThreadStore;
import io.liminal.ltp.server.store.ThreadStoreProvider;
import io.liminal.ltp.server.transport.TransportLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The standalone runner's settings: command-line flags ({@code --port 9000}) over environment variables
 * ({@code PORT=9000}) over defaults. Every value is checked here, so an invalid configuration fails at start-up
 * with a message that names the setting.
 */
public final class StandaloneConfig {

    /** One setting: its flag, its environment variable, and what it means. */
    enum Setting {
        HOST("--host", "LTP_HOST", "interface to listen on (default 0.0.0.0)"),
        PORT("--port", "PORT", "WebSocket port (default 8080; 0 picks a free one)"),
        HTTP_PORT("--http-port", "LTP_HTTP_PORT", "separate port for /health, /ready, /metrics (default: none)"),
        HEARTBEAT_MS("--heartbeat-ms", "LTP_HEARTBEAT_MS", "heartbeat interval in ms (default 15000)"),
        HANDSHAKE_TIMEOUT_MS("--handshake-timeout-ms", "LTP_HANDSHAKE_TIMEOUT_MS", "handshake timeout in ms (default 10000)"),
        THREAD_TTL_MS("--thread-ttl-ms", "LTP_THREAD_TTL_MS", "how long threads stay resumable, ms (default 1800000)"),
        MAX_CONNECTIONS("--max-connections", "LTP_MAX_CONNECTIONS", "open connections limit (default 10000)"),
        MAX_CONNECTIONS_PER_CLIENT("--max-connections-per-client", "LTP_MAX_CONNECTIONS_PER_CLIENT",
                "sessions per client id, 0 = unlimited (default 0)"),
        RATE_LIMIT("--rate-limit", "LTP_RATE_LIMIT", "messages per identity per minute, 0 = off (default 100)"),
        MAX_THREADS("--max-threads", "LTP_MAX_THREADS", "threads stored, 0 = unlimited (default 1000000)"),
        MAX_CONNECTIONS_PER_THREAD("--max-connections-per-thread", "LTP_MAX_CONNECTIONS_PER_THREAD",
                "connections per thread; the oldest is superseded past it, 0 = unlimited (default 0)"),
        MAX_MESSAGE_BYTES("--max-message-bytes", "LTP_MAX_MESSAGE_BYTES",
                "largest message, answered MESSAGE_TOO_LARGE past it (default 1048576)"),
        HARD_FRAME_LIMIT_BYTES("--hard-frame-limit-bytes", "LTP_HARD_FRAME_LIMIT_BYTES",
                "largest declared message before close 1009 (default 16777216)"),
        HANDSHAKES_PER_ADDRESS("--handshakes-per-address", "LTP_HANDSHAKES_PER_ADDRESS",
                "handshakes per remote address, COUNT/WINDOW or 0 = off (default 300/1m)"),
        PING_LIMIT("--ping-limit", "LTP_PING_LIMIT", "pings per connection, COUNT/WINDOW or 0 (default 20/10s)"),
        ERROR_LIMIT("--error-limit", "LTP_ERROR_LIMIT",
                "errors per connection before close 1008, COUNT/WINDOW or 0 (default 50/10s)"),
        MAX_HELD_BYTES("--max-held-bytes", "LTP_MAX_HELD_BYTES",
                "bytes held while a handshake is resolved (default 1048576)"),
        MAX_CLIENT_ID_BYTES("--max-client-id-bytes", "LTP_MAX_CLIENT_ID_BYTES", "longest client_id (default 256)"),
        MAX_PENDING_HANDSHAKES("--max-pending-handshakes", "LTP_MAX_PENDING_HANDSHAKES",
                "handshakes waiting for the store or authenticator (default 1000)"),
        MAX_PENDING_CONNECTIONS("--max-pending-connections", "LTP_MAX_PENDING_CONNECTIONS",
                "connections not upgraded yet (default 1000)"),
        MAX_PENDING_PER_ADDRESS("--max-pending-per-address", "LTP_MAX_PENDING_PER_ADDRESS",
                "connections not upgraded yet per address, 0 = off (default 64)"),
        REQUEST_TIMEOUT_MS("--request-timeout-ms", "LTP_REQUEST_TIMEOUT_MS",
                "time to send a complete HTTP request or upgrade, ms (default 10000)"),
        CLOSE_TIMEOUT_MS("--close-timeout-ms", "LTP_CLOSE_TIMEOUT_MS",
                "time a close may take before the connection is dropped, ms (default 5000)"),
        MAX_FRAGMENTS("--max-fragments", "LTP_MAX_FRAGMENTS", "frames per message (default 1024)"),
        MAX_BUFFERED_INBOUND_BYTES("--max-buffered-inbound-bytes", "LTP_MAX_BUFFERED_INBOUND_BYTES",
                "bytes of unfinished messages over all connections (default 268435456)"),
        WS_PING_LIMIT("--ws-ping-limit", "LTP_WS_PING_LIMIT",
                "WebSocket pings per connection, COUNT/WINDOW or 0 (default 20/10s)"),
        MAX_OUTBOUND_BYTES("--max-outbound-bytes", "LTP_MAX_OUTBOUND_BYTES",
                "unread bytes per connection before close 1008 Slow consumer (default 4194304)"),
        SSE("--sse", "LTP_SSE", "serve the sse-v1 fallback at /ltp/sse: on | off (default on)"),
        EXAMPLE_PAGE("--example-page", "LTP_EXAMPLE_PAGE",
                "serve the browser example of sse-v1 at /example/sse: on | off (default off)"),
        SSE_STREAM_WAIT_MS("--sse-stream-wait-ms", "LTP_SSE_STREAM_WAIT_MS",
                "time an sse-v1 connection waits for its cut event stream, ms (default 30000)"),
        SSE_KEEPALIVE_MS("--sse-keepalive-ms", "LTP_SSE_KEEPALIVE_MS",
                "interval of comment lines on idle sse-v1 streams, ms (default 15000)"),
        ALLOWED_ORIGINS("--allowed-origins", "LTP_ALLOWED_ORIGINS",
                "browser origins allowed to connect, comma-separated (default: any)"),
        TRUSTED_PROXIES("--trusted-proxies", "LTP_TRUSTED_PROXIES",
                "proxies whose X-Forwarded-For is believed, CIDRs comma-separated (default: none)"),
        STORE("--store", "LTP_STORE", "thread store: memory | sqlite:PATH | jdbc:URL | redis://HOST:PORT (default memory)"),
        DELIVERY_BATCH("--delivery-batch", "LTP_DELIVERY_BATCH",
                "numbered messages of one client committed together, 1 to 256 (default 1; docs/durability.md)"),
        TLS_CERT("--tls-cert", "LTP_TLS_CERT", "PEM certificate chain (with --tls-key)"),
        TLS_KEY("--tls-key", "LTP_TLS_KEY", "PEM PKCS#8 private key"),
        TLS_KEY_PASSWORD("--tls-key-password", "LTP_TLS_KEY_PASSWORD", "password of an encrypted PEM key"),
        TLS_KEYSTORE("--tls-keystore", "LTP_TLS_KEYSTORE", "PKCS#12 or JKS key store (instead of PEM files)"),
        TLS_KEYSTORE_PASSWORD("--tls-keystore-password", "LTP_TLS_KEYSTORE_PASSWORD", "key store password"),
        TLS_KEYSTORE_TYPE("--tls-keystore-type", "LTP_TLS_KEYSTORE_TYPE", "PKCS12 (default) or JKS"),
        AUTH_JWT_SECRET("--auth-jwt-secret", "LTP_AUTH_JWT_SECRET", "HS256 secret, at least 32 bytes (base64: prefix)"),
        AUTH_JWT_PUBLIC_KEY("--auth-jwt-public-key", "LTP_AUTH_JWT_PUBLIC_KEY", "RS256 public key, PEM file"),
        AUTH_ISSUER("--auth-issuer", "LTP_AUTH_ISSUER", "required JWT iss"),
        AUTH_AUDIENCE("--auth-audience", "LTP_AUTH_AUDIENCE", "required JWT aud"),
        CLUSTER("--cluster", "LTP_CLUSTER", "join a cluster over this bus: redis://HOST:PORT, or"
                + " redis-cluster://HOST:PORT,HOST:PORT,... for a Redis Cluster (default: run alone)"),
        NODE_ID("--node-id", "LTP_NODE_ID", "this node's id in the cluster (default: host name and a random suffix)"),
        ADMIN_TOKEN("--admin-token", "LTP_ADMIN_TOKEN",
                "enables POST /admin/drain, /admin/push and /admin/broadcast with this bearer token"),
        HANDLER("--handler", "LTP_HANDLER", "reference (answer like the reference server, default) | silent"),
        SHUTDOWN_GRACE_MS("--shutdown-grace-ms", "LTP_SHUTDOWN_GRACE_MS", "drain time on SIGTERM, ms (default 10000)");

        final String flag;
        final String env;
        final String help;

        Setting(String flag, String env, String help) {
            this.flag = flag;
            this.env = env;
            this.help = help;
        }

        String names() {
            return env + " / " + flag;
        }
    }

    private final Map<Setting, String> values;

    private StandaloneConfig(Map<Setting, String> values) {
        this.values = values;
    }

    /**
     * Reads flags over environment.
     *
     * @throws IllegalArgumentException for an unknown flag or a flag without a value
     */
    public static StandaloneConfig parse(String[] args, Map<String, String> env) {
        Map<Setting, String> values = new LinkedHashMap<>();
        for (Setting setting : Setting.values()) {
            String value = env.get(setting.env);
            if (value != null && !value.isBlank()) {
                values.put(setting, value.trim());
            }
        }
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String flag = arg;
            String value = null;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0) {
                flag = arg.substring(0, equals);
                value = arg.substring(equals + 1);
            }
            Setting setting = bySetting(flag);
            if (setting == null) {
                throw new IllegalArgumentException("Unknown option " + flag + " (see --help)");
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("Option " + flag + " needs a value");
                }
                value = args[++i];
            }
            values.put(setting, value.trim());
        }
        return new StandaloneConfig(values);
    }

    /** The usage text. */
    public static String usage() {
        StringBuilder text = new StringBuilder("Usage: java -jar ltp-server-standalone.jar [options]\n\n"
                + "Every option can also be given as an environment variable; flags win.\n\n");
        for (Setting setting : Setting.values()) {
            text.append(String.format(Locale.ROOT, "  %-30s %-32s %s%n", setting.flag, setting.env, setting.help));
        }
        return text.toString();
    }

    /**
     * The server these settings describe (not started).
     *
     * @throws IllegalArgumentException naming the setting whose value is invalid
     */
    public LtpServer.Builder toBuilder() {
        LtpServer.Builder builder = LtpServer.builder();
        apply(Setting.HOST, builder::host);
        builder.port(integer(Setting.PORT, 0, 65_535, LtpServer.DEFAULT_PORT));
        if (values.containsKey(Setting.HTTP_PORT)) {
            builder.httpPort(integer(Setting.HTTP_PORT, 0, 65_535, 0));
        }
        builder.heartbeatInterval(Duration.ofMillis(integer(Setting.HEARTBEAT_MS, 1, Integer.MAX_VALUE, 15_000)));
        builder.handshakeTimeout(Duration.ofMillis(integer(Setting.HANDSHAKE_TIMEOUT_MS, 1, Integer.MAX_VALUE, 10_000)));
        builder.threadTtl(Duration.ofMillis(longValue(Setting.THREAD_TTL_MS, 1, Long.MAX_VALUE, 1_800_000)));
        builder.maxConnections(integer(Setting.MAX_CONNECTIONS, 1, Integer.MAX_VALUE, LtpServer.DEFAULT_MAX_CONNECTIONS));
        builder.maxConnectionsPerClient(integer(Setting.MAX_CONNECTIONS_PER_CLIENT, 0, Integer.MAX_VALUE, 0));
        int rate = integer(Setting.RATE_LIMIT, 0, Integer.MAX_VALUE, LtpServer.DEFAULT_RATE_LIMIT_MESSAGES);
        if (rate == 0) {
            builder.noRateLimit();
        } else {
            builder.rateLimit(rate, Duration.ofMinutes(1));
        }
        builder.maxThreads(longValue(Setting.MAX_THREADS, 0, Long.MAX_VALUE, LtpServer.DEFAULT_MAX_THREADS));
        builder.maxConnectionsPerThread(integer(Setting.MAX_CONNECTIONS_PER_THREAD, 0, Integer.MAX_VALUE, 0));
        int maxMessage = integer(Setting.MAX_MESSAGE_BYTES, 1_024, Integer.MAX_VALUE, Limits.DEFAULT_MAX_MESSAGE_BYTES);
        builder.limits(Limits.defaults().toBuilder().maxMessageBytes(maxMessage).build());
        builder.hardFrameLimitBytes(longValue(Setting.HARD_FRAME_LIMIT_BYTES, maxMessage, Long.MAX_VALUE,
                Math.max(maxMessage, 16L << 20)));
        PeerLimits peer = PeerLimits.DEFAULTS;
        builder.peerLimits(peer.toBuilder()
                .handshakesPerAddress(allowance(Setting.HANDSHAKES_PER_ADDRESS, peer.handshakesPerAddress()))
                .pings(allowance(Setting.PING_LIMIT, peer.pings()))
                .errors(allowance(Setting.ERROR_LIMIT, peer.errors()))
                .maxHeldBytes(longValue(Setting.MAX_HELD_BYTES, 1, Long.MAX_VALUE, peer.maxHeldBytes()))
                .maxClientIdBytes(integer(Setting.MAX_CLIENT_ID_BYTES, 1, Integer.MAX_VALUE, peer.maxClientIdBytes()))
                .maxPendingHandshakes(integer(Setting.MAX_PENDING_HANDSHAKES, 1, Integer.MAX_VALUE,
                        peer.maxPendingHandshakes()))
                .build());
        TransportLimits transport = TransportLimits.DEFAULTS;
        builder.transportLimits(transport.toBuilder()
                .maxPendingConnections(integer(Setting.MAX_PENDING_CONNECTIONS, 1, Integer.MAX_VALUE,
                        transport.maxPendingConnections()))
                .maxPendingPerAddress(integer(Setting.MAX_PENDING_PER_ADDRESS, 0, Integer.MAX_VALUE,
                        transport.maxPendingPerAddress()))
                .requestTimeout(Duration.ofMillis(longValue(Setting.REQUEST_TIMEOUT_MS, 1, Integer.MAX_VALUE,
                        transport.requestTimeout().toMillis())))
                .closeTimeout(Duration.ofMillis(longValue(Setting.CLOSE_TIMEOUT_MS, 1, Integer.MAX_VALUE,
                        transport.closeTimeout().toMillis())))
                .maxFragmentsPerMessage(integer(Setting.MAX_FRAGMENTS, 1, Integer.MAX_VALUE,
                        transport.maxFragmentsPerMessage()))
                .maxBufferedInboundBytes(longValue(Setting.MAX_BUFFERED_INBOUND_BYTES, 1, Long.MAX_VALUE,
                        transport.maxBufferedInboundBytes()))
                .controlFrames(allowance(Setting.WS_PING_LIMIT, transport.controlFrames()))
                .maxOutboundBytesPerConnection(longValue(Setting.MAX_OUTBOUND_BYTES, 1, Long.MAX_VALUE,
                        transport.maxOutboundBytesPerConnection()))
                .sseStreamWait(Duration.ofMillis(longValue(Setting.SSE_STREAM_WAIT_MS, 1, Integer.MAX_VALUE,
                        transport.sseStreamWait().toMillis())))
                .sseKeepAlive(Duration.ofMillis(longValue(Setting.SSE_KEEPALIVE_MS, 1, Integer.MAX_VALUE,
                        transport.sseKeepAlive().toMillis())))
                .allowedOrigins(list(Setting.ALLOWED_ORIGINS))
                .build());
        builder.sseBinding(onOff(Setting.SSE, true));
        builder.examplePage(onOff(Setting.EXAMPLE_PAGE, false));
        List<String> proxies = list(Setting.TRUSTED_PROXIES);
        if (!proxies.isEmpty()) {
            try {
                builder.trustedProxies(proxies.toArray(String[]::new));
            } catch (IllegalArgumentException e) {
                throw invalid(Setting.TRUSTED_PROXIES, values.get(Setting.TRUSTED_PROXIES), e.getMessage());
            }
        }
        builder.deliveryBatch(integer(Setting.DELIVERY_BATCH, 1, 256, 1));
        ThreadStore store = store();
        builder.threadStore(store);
        ClusterBus bus = cluster();
        if (bus != null) {
            builder.cluster(bus);
        }
        if (values.containsKey(Setting.NODE_ID)) {
            if (bus == null) {
                throw invalid(Setting.NODE_ID, values.get(Setting.NODE_ID), "needs LTP_CLUSTER");
            }
            try {
                builder.nodeId(values.get(Setting.NODE_ID));
            } catch (IllegalArgumentException e) {
                throw invalid(Setting.NODE_ID, values.get(Setting.NODE_ID), e.getMessage());
            }
        }
        TlsConfig tls = tls();
        if (tls != null) {
            builder.tls(tls);
        }
        JwtAuthenticator.Builder jwt = jwt();
        if (jwt != null) {
            apply(Setting.AUTH_ISSUER, jwt::issuer);
            apply(Setting.AUTH_AUDIENCE, jwt::audience);
            builder.authenticator(jwt.build());
        } else if (values.containsKey(Setting.AUTH_ISSUER) || values.containsKey(Setting.AUTH_AUDIENCE)) {
            throw invalid(Setting.AUTH_ISSUER, values.getOrDefault(Setting.AUTH_ISSUER, ""),
                    "needs LTP_AUTH_JWT_SECRET or LTP_AUTH_JWT_PUBLIC_KEY");
        }
        if (values.containsKey(Setting.ADMIN_TOKEN)) {
            String token = values.get(Setting.ADMIN_TOKEN);
            if (token.length() < 16) {
                throw invalid(Setting.ADMIN_TOKEN, "(hidden)", "must have at least 16 characters");
            }
            builder.adminToken(token);
        }
        builder.handler(handler());
        if (!store.isBlocking()) {
            builder.nonBlockingHandler(); // the built-in handlers never block: no hand-off to a pool per message
        }
        return builder;
    }

    /** How long the server drains on shutdown. */
    public Duration shutdownGrace() {
        return Duration.ofMillis(integer(Setting.SHUTDOWN_GRACE_MS, 0, Integer.MAX_VALUE, 10_000));
    }

    /** The store setting, for the start-up log, without its secrets. */
    public String storeDescription() {
        return Redaction.redact(values.getOrDefault(Setting.STORE, "memory"));
    }

    private boolean onOff(Setting setting, boolean byDefault) {
        String value = values.getOrDefault(setting, byDefault ? "on" : "off").toLowerCase(Locale.ROOT);
        if (!value.equals("on") && !value.equals("off")) {
            throw invalid(setting, values.get(setting), "expected on or off");
        }
        return value.equals("on");
    }

    private LtpHandler handler() {
        String value = values.getOrDefault(Setting.HANDLER, "reference");
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "reference" -> new ReferenceHandler();
            case "silent" -> new LtpHandler() { };
            default -> throw invalid(Setting.HANDLER, value, "expected reference or silent");
        };
    }

    private ThreadStore store() {
        String spec = values.getOrDefault(Setting.STORE, "memory");
        try {
            return ThreadStoreProvider.load(spec,
                    Duration.ofMillis(longValue(Setting.THREAD_TTL_MS, 1, Long.MAX_VALUE, 1_800_000)));
        } catch (RuntimeException e) { // malformed, or the provider could not open it
            throw invalid(Setting.STORE, spec, e.getMessage());
        }
    }

    private ClusterBus cluster() {
        String spec = values.get(Setting.CLUSTER);
        if (spec == null) {
            return null;
        }
        try {
            return ClusterBusProvider.load(spec);
        } catch (RuntimeException e) {
            throw invalid(Setting.CLUSTER, spec, e.getMessage());
        }
    }

    private TlsConfig tls() {
        boolean pem = values.containsKey(Setting.TLS_CERT) || values.containsKey(Setting.TLS_KEY);
        boolean keyStore = values.containsKey(Setting.TLS_KEYSTORE);
        if (pem && keyStore) {
            throw invalid(Setting.TLS_KEYSTORE, values.get(Setting.TLS_KEYSTORE),
                    "give either LTP_TLS_CERT/LTP_TLS_KEY or LTP_TLS_KEYSTORE, not both");
        }
        try {
            if (pem) {
                if (!values.containsKey(Setting.TLS_CERT) || !values.containsKey(Setting.TLS_KEY)) {
                    Setting missing = values.containsKey(Setting.TLS_CERT) ? Setting.TLS_KEY : Setting.TLS_CERT;
                    throw new IllegalArgumentException(missing.names() + " is required with "
                            + (missing == Setting.TLS_KEY ? Setting.TLS_CERT : Setting.TLS_KEY).names());
                }
                return TlsConfig.pem(Path.of(values.get(Setting.TLS_CERT)), Path.of(values.get(Setting.TLS_KEY)),
                        values.get(Setting.TLS_KEY_PASSWORD));
            }
            if (keyStore) {
                String password = values.get(Setting.TLS_KEYSTORE_PASSWORD);
                if (password == null) {
                    throw new IllegalArgumentException(Setting.TLS_KEYSTORE_PASSWORD.names() + " is required with "
                            + Setting.TLS_KEYSTORE.names());
                }
                return TlsConfig.keyStore(Path.of(values.get(Setting.TLS_KEYSTORE)), password.toCharArray(),
                        values.getOrDefault(Setting.TLS_KEYSTORE_TYPE, "PKCS12").toUpperCase(Locale.ROOT));
            }
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith("LTP_") ? e
                    : new IllegalArgumentException("Invalid TLS setting: " + e.getMessage(), e);
        }
        return null;
    }

    private JwtAuthenticator.Builder jwt() {
        String secret = values.get(Setting.AUTH_JWT_SECRET);
        String publicKey = values.get(Setting.AUTH_JWT_PUBLIC_KEY);
        if (secret != null && publicKey != null) {
            throw invalid(Setting.AUTH_JWT_PUBLIC_KEY, publicKey, "give either a secret or a public key, not both");
        }
        if (secret != null) {
            try {
                return JwtAuthenticator.hs256(secret);
            } catch (IllegalArgumentException e) {
                throw invalid(Setting.AUTH_JWT_SECRET, "(hidden)", e.getMessage());
            }
        }
        if (publicKey != null) {
            try {
                return JwtAuthenticator.rs256Pem(Files.readString(Path.of(publicKey)));
            } catch (IOException | IllegalArgumentException e) {
                throw invalid(Setting.AUTH_JWT_PUBLIC_KEY, publicKey, "not a readable PEM RSA public key ("
                        + e.getMessage() + ")");
            }
        }
        return null;
    }

    private int integer(Setting setting, int min, int max, int fallback) {
        return (int) longValue(setting, min, max, fallback);
    }

    private long longValue(Setting setting, long min, long max, long fallback) {
        String value = values.get(setting);
        if (value == null) {
            return fallback;
        }
        long parsed;
        try {
            parsed = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw invalid(setting, value, "expected an integer");
        }
        if (parsed < min || parsed > max) {
            throw invalid(setting, value, "expected " + min + ".." + max);
        }
        return parsed;
    }

    private void apply(Setting setting, java.util.function.Consumer<String> target) {
        String value = values.get(setting);
        if (value != null) {
            target.accept(value);
        }
    }

    /** The error for an invalid value; never with a secret in it, whatever the value or the problem quote. */
    private static IllegalArgumentException invalid(Setting setting, String value, String problem) {
        return new IllegalArgumentException(Redaction.redact("Invalid " + setting.names() + " '" + value + "': "
                + problem));
    }

    /** {@code COUNT/WINDOW} ({@code 60/10s}, {@code 20/500ms}, {@code 100/1m}), or 0 for no bound. */
    private Allowance allowance(Setting setting, Allowance fallback) {
        String value = values.get(setting);
        if (value == null) {
            return fallback;
        }
        if (value.equals("0")) {
            return Allowance.UNLIMITED;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)/(\\d+)(ms|s|m)").matcher(value);
        if (!m.matches()) {
            throw invalid(setting, value, "expected COUNT/WINDOW such as 60/10s, or 0");
        }
        try {
            long amount = Long.parseLong(m.group(2));
            Duration window = switch (m.group(3)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                default -> Duration.ofMinutes(amount);
            };
            return Allowance.of(Integer.parseInt(m.group(1)), window);
        } catch (IllegalArgumentException e) {
            throw invalid(setting, value, e.getMessage());
        }
    }

    private List<String> list(Setting setting) {
        String value = values.get(setting);
        if (value == null) {
            return List.of();
        }
        List<String> items = new ArrayList<>();
        for (String item : value.split(",")) {
            if (!item.isBlank()) {
                items.add(item.trim());
            }
        }
        return items;
    }

    private static Setting bySetting(String flag) {
        for (Setting setting : Setting.values()) {
            if (setting.flag.equals(flag)) {
                return setting;
            }
        }
        return null;
    }
}
