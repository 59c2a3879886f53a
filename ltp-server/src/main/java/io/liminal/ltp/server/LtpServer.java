package io.liminal.ltp.server;

import com.google.gson.JsonObject;
import io.liminal.ltp.core.codec.Limits;
import io.liminal.ltp.core.concurrent.Scheduler;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.session.ServerSessionConfig;
import io.liminal.ltp.server.auth.Authenticator;
import io.liminal.ltp.server.cluster.ClusterBus;
import io.liminal.ltp.server.internal.engine.ClusterSettings;
import io.liminal.ltp.server.internal.engine.LtpEngine;
import io.liminal.ltp.server.internal.engine.ServerSettings;
import io.liminal.ltp.server.internal.limits.TrustedProxies;
import io.liminal.ltp.server.internal.netty.NettyTransport;
import io.liminal.ltp.server.store.DeliveryRetention;
import io.liminal.ltp.server.store.InMemoryThreadStore;
import io.liminal.ltp.server.store.ThreadStore;
import io.liminal.ltp.server.transport.LtpTransport;
import io.liminal.ltp.server.transport.TransportLimits;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * An LTP v0.3 server you embed in your application or run standalone.
 *
 * <pre>{@code
 * LtpServer server = LtpServer.builder()
 *         .port(8080)
 *         .handler(new LtpHandler() {
 *             public void onStateUpdate(SessionContext session, StateUpdatePayload update) {
 *                 session.reply(Envelopes.event("state_received", new JsonPrimitive(update.kind())));
 *             }
 *         })
 *         .build()
 *         .start();
 * ...
 * server.shutdown(Duration.ofSeconds(10));
 * }</pre>
 *
 * <p>Threads survive connections: a client that reconnects within {@link Builder#threadTtl(Duration)} resumes its
 * thread. Besides WebSocket, the port serves {@code /health}, {@code /ready} and {@code /metrics} (Prometheus),
 * and {@code POST /admin/drain} when an admin token is set.
 *
 * <p>Thread-safe. {@link #close()} is {@link #shutdown(Duration)} with a zero grace period.
 */
public final class LtpServer implements AutoCloseable {
    /** Default WebSocket port. */
    public static final int DEFAULT_PORT = 8080;
    /** Default heartbeat interval announced in acks. */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(15);
    /** Default time a connection has to complete its handshake. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** Default time a thread stays resumable after its last activity (LTP-HB-004). */
    public static final Duration DEFAULT_THREAD_TTL = Duration.ofMinutes(30);
    /** Default per-client rate limit, from the LTP deployment guide: 100 messages per minute (pings exempt). */
    public static final int DEFAULT_RATE_LIMIT_MESSAGES = 100;
    /** Default maximum of open connections. */
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /** Default most threads stored. */
    public static final long DEFAULT_MAX_THREADS = 1_000_000;
    /** The SDK version. */
    public static final String VERSION = readVersion();

    private final LtpEngine engine;

    private LtpServer(ServerSettings settings) {
        this.engine = new LtpEngine(settings);
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the port(s) and starts serving. Returns once bound.
     *
     * @throws UncheckedIOException when a port cannot be bound
     * @throws IllegalStateException when already started
     */
    public LtpServer start() {
        try {
            engine.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the LTP server: " + e.getMessage(), e);
        }
        return this;
    }

    /** The bound WebSocket port (the real one when 0 was configured). */
    public int port() {
        return engine.boundAddress().getPort();
    }

    /** The bound WebSocket address. */
    public InetSocketAddress address() {
        return engine.boundAddress();
    }

    /** The bound port of the separate HTTP endpoints, or -1 when they are served on the WebSocket port only. */
    public int httpPort() {
        InetSocketAddress address = engine.httpAddress();
        return address == null ? -1 : address.getPort();
    }

    /**
     * Sends an envelope to every live connection of a thread. The server sets ids, timestamp and nonce. When the
     * thread uses the delivery extension it is logged first, and clients that are away get it when they resume.
     * Called inside a handler call for that same thread, it is published with the call's other sends when the call
     * returns (see {@link SessionContext}).
     *
     * <p>In a cluster it reaches the thread's connections on every node: the count is cluster-wide, and the future
     * completes once every node holding the thread answered. It fails with
     * {@link io.liminal.ltp.server.cluster.ClusterException} when the bus refused the message or a node did not
     * answer within {@link Builder#clusterReplyTimeout}; a logged message is in the log all the same, and clients
     * that did not get it live get it when they resume.
     *
     * @return completes with how many connections it was handed to (0 when the thread has none), only once it is
     *     in the thread's log when the thread uses the delivery extension; fails when logging failed
     */
    public CompletableFuture<Integer> pushTo(String threadId, Envelope envelope) {
        return engine.pushTo(Objects.requireNonNull(threadId, "threadId"), Objects.requireNonNull(envelope, "envelope"));
    }

    /**
     * Sends an envelope to every live connection of every thread, on every node of the cluster.
     *
     * @return completes with how many connections it was handed to (cluster-wide); fails with
     *     {@link io.liminal.ltp.server.cluster.ClusterException} when other nodes could not be reached or did not
     *     answer in time (the connections that were reached keep what they got)
     */
    public CompletableFuture<Integer> broadcast(Envelope envelope) {
        return engine.broadcast(Objects.requireNonNull(envelope, "envelope"));
    }

    /** Open WebSocket connections. */
    public int connectionCount() {
        return engine.activeConnections();
    }

    /** Threads with at least one live connection. */
    public int liveThreadCount() {
        return engine.liveThreads();
    }

    /** Whether the server accepts new connections (false while starting, draining or stopped). */
    public boolean isReady() {
        return engine.isReady();
    }

    /** The registry the server's meters are published to. */
    public MeterRegistry meterRegistry() {
        return engine.metrics().registry();
    }

    /**
     * Stops accepting connections, marks the server not ready, and closes every connection with 1001 "going away"
     * so clients resume elsewhere at once. Idempotent.
     */
    public void drain() {
        engine.drain();
    }

    /**
     * Drains, waits up to {@code grace} for connections to close, writes every live thread back to the store,
     * then stops the transport and closes the store. Idempotent.
     */
    public void shutdown(Duration grace) {
        engine.shutdown(Objects.requireNonNull(grace, "grace"));
    }

    /** {@link #shutdown(Duration)} without waiting for clients. */
    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }

    private static String readVersion() {
        try (InputStream in = LtpServer.class.getResourceAsStream("version.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }

    /**
     * Builds an {@link LtpServer}. Setters validate their argument at once and name it in the exception.
     */
    public static final class Builder {
        private String host = "0.0.0.0";
        private int port = DEFAULT_PORT;
        private int httpPort = -1;
        private LtpHandler handler = new LtpHandler() { };
        private DeliveryRetention deliveryRetention = DeliveryRetention.DEFAULT;
        private int deliveryBatch = 1;
        private final List<String> customTypes = new ArrayList<>();
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        private Duration threadTtl = DEFAULT_THREAD_TTL;
        private Duration sweepInterval = Duration.ofSeconds(60);
        private Limits limits = Limits.defaults();
        private long hardFrameLimitBytes = 16L * 1024 * 1024;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private int maxConnectionsPerClient;
        private int maxConnectionsPerThread;
        private long maxThreads = DEFAULT_MAX_THREADS;
        private int rateLimitMessages = DEFAULT_RATE_LIMIT_MESSAGES;
        private Duration rateLimitWindow = Duration.ofMinutes(1);
        private ThreadStore threadStore;
        private Authenticator authenticator;
        private MessageSecurity security = MessageSecurity.none();
        private TlsConfig tls;
        private String adminToken;
        private List<String> capabilities = ServerSessionConfig.DEFAULT_CAPABILITIES;
        private boolean sseBinding = true;
        private boolean examplePage;
        private JsonObject ackMetadata;
        private Clock clock = Clock.systemUTC();
        private Scheduler maintenanceScheduler;
        private Executor applicationExecutor;
        private boolean nonBlockingHandler;
        private Executor blockingExecutor;
        private MeterRegistry meterRegistry;
        private LtpTransport transport;
        private int maxHandlerBacklog = 1_000;
        private PeerLimits peerLimits = PeerLimits.DEFAULTS;
        private TransportLimits transportLimits = TransportLimits.DEFAULTS;
        private List<String> trustedProxies = List.of();
        private ClusterBus clusterBus;
        private String nodeId;
        private Duration clusterReplyTimeout = Duration.ofSeconds(2);

        private Builder() {
        }

        /** The interface to listen on (default {@code 0.0.0.0}). */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The WebSocket port (default 8080; 0 picks a free one, see {@link LtpServer#port()}). */
        public Builder port(int port) {
            this.port = checkPort("port", port);
            return this;
        }

        /** A separate port for {@code /health}, {@code /ready}, {@code /metrics} (default none; 0 picks one). */
        public Builder httpPort(int httpPort) {
            this.httpPort = checkPort("httpPort", httpPort);
            return this;
        }

        /** The application handler (default: accepts everything and does nothing). */
        public Builder handler(LtpHandler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /**
         * Custom types the handler receives, exact ({@code "custom:analytics_event"}) or by namespace
         * ({@code "lri:*"}). Other custom types are answered with {@code UNKNOWN_MESSAGE_TYPE}.
         */
        public Builder customTypes(String... patterns) {
            for (String pattern : patterns) {
                Objects.requireNonNull(pattern, "pattern");
                int colon = pattern.indexOf(':');
                if (colon <= 0 || colon == pattern.length() - 1) {
                    throw new IllegalArgumentException("customTypes pattern must be 'namespace:type' or "
                            + "'namespace:*' but was '" + pattern + "'");
                }
                customTypes.add(pattern);
            }
            return this;
        }

        /** Ping cadence announced in acks (default 15 s); idle connections close after twice this. */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = positive("heartbeatInterval", interval);
            return this;
        }

        /** How long a connection may take to complete its handshake (default 10 s). */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = positive("handshakeTimeout", timeout);
            return this;
        }

        /** How long a thread stays resumable after its last activity (default 30 min). */
        public Builder threadTtl(Duration ttl) {
            this.threadTtl = positive("threadTtl", ttl);
            return this;
        }

        /** How often idle threads are evicted and live ones written back to the store (default 60 s). */
        public Builder sweepInterval(Duration interval) {
            this.sweepInterval = positive("sweepInterval", interval);
            return this;
        }

        /** Message limits (default: the spec's 1 MiB, depth 10, 64 KiB strings). */
        public Builder limits(Limits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * Frames or messages beyond this size close the connection with 1009 (default 16 MiB); between the
         * message limit and this, they are answered with {@code MESSAGE_TOO_LARGE} and the connection stays open.
         */
        public Builder hardFrameLimitBytes(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("hardFrameLimitBytes must be positive but was " + bytes);
            }
            this.hardFrameLimitBytes = bytes;
            return this;
        }

        /** Open connections beyond which new ones are closed with 1008 "Server at capacity" (default 10,000). */
        public Builder maxConnections(int max) {
            this.maxConnections = positiveInt("maxConnections", max);
            return this;
        }

        /**
         * Live sessions one identity may hold at once; 0 = no limit (default). The identity is the authenticated
         * principal, or with authentication off the thread (the only thing a peer proves without it): a peer that
         * merely names someone else's client id never fills their quota (docs/security.md).
         */
        public Builder maxConnectionsPerClient(int max) {
            this.maxConnectionsPerClient = notNegative("maxConnectionsPerClient", max);
            return this;
        }

        /**
         * Live connections one thread may have; over it the oldest is closed with 1000 "session_superseded".
         * 0 = no cap (default, as clients sharing a thread would otherwise fight over it).
         */
        public Builder maxConnectionsPerThread(int max) {
            this.maxConnectionsPerThread = notNegative("maxConnectionsPerThread", max);
            return this;
        }

        /**
         * Threads the store may hold; new inits are refused beyond it (default 1,000,000: about 150 MB in the
         * in-memory store, see docs/durability.md). 0 = no limit.
         */
        public Builder maxThreads(long max) {
            if (max < 0) {
                throw new IllegalArgumentException("maxThreads must not be negative but was " + max);
            }
            this.maxThreads = max;
            return this;
        }

        /**
         * Rate limit per identity: {@code messages} per {@code window}, as a token bucket (default 100 per minute).
         * The identity is the authenticated principal, or with authentication off the thread; until a handshake is
         * accepted, each connection has a bucket of its own. Handshakes (limited per address instead, see
         * {@link PeerLimits}), pings and acknowledgements are exempt; excess messages get
         * {@code RATE_LIMIT_EXCEEDED} and the connection stays open.
         */
        public Builder rateLimit(int messages, Duration window) {
            this.rateLimitMessages = positiveInt("rateLimit messages", messages);
            this.rateLimitWindow = positive("rateLimit window", window);
            return this;
        }

        /** Turns the rate limit off. */
        public Builder noRateLimit() {
            this.rateLimitMessages = 0;
            return this;
        }

        /**
         * Keeps this much of each thread's outbound log for the delivery extension {@code delivery-v1}
         * (docs/extensions/delivery-v1.md). On by default with {@link DeliveryRetention#DEFAULT}; it applies to
         * clients that negotiate it (ltp-client does by default) and needs a store implementing
         * {@link io.liminal.ltp.server.store.DeliveryStore} (every store of this project does).
         */
        public Builder delivery(DeliveryRetention retention) {
            this.deliveryRetention = Objects.requireNonNull(retention, "retention");
            return this;
        }

        /**
         * Lets a thread hand up to {@code maxMessages} numbered messages of one client, read while its previous
         * commit was being written, to the handler one after the other and store them in <b>one</b> commit, with
         * everything the handler sent (default 1: one commit per message). On a blocking store (JDBC, Redis) this
         * divides the commits, round trips and frames per message by up to that number when clients keep several
         * messages in flight (docs/durability.md, "Batched commits").
         *
         * <p>What stays: every message is handed over once, in order; its replies and its position are stored
         * together before anything is sent or acknowledged. What changes: after a crash, up to {@code maxMessages}
         * messages of a client instance (not one) may be handed over again, all marked
         * {@code possibleRedelivery}; keep the same value across restarts of a deployment.
         *
         * @param maxMessages 1 to 256
         */
        public Builder deliveryBatch(int maxMessages) {
            if (maxMessages < 1 || maxMessages > 256) {
                throw new IllegalArgumentException("deliveryBatch must be 1 to 256, was " + maxMessages);
            }
            this.deliveryBatch = maxMessages;
            return this;
        }

        /** Turns the delivery extension off: every client is served as plain v0.3. */
        public Builder noDelivery() {
            this.deliveryRetention = null;
            return this;
        }

        /** Where threads are kept (default in memory). The server closes it on shutdown. */
        public Builder threadStore(ThreadStore store) {
            this.threadStore = Objects.requireNonNull(store, "threadStore");
            return this;
        }

        /** Authenticates handshakes (default: none). */
        public Builder authenticator(Authenticator authenticator) {
            this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
            return this;
        }

        /** Signing and replay protection (default off). */
        public Builder security(MessageSecurity security) {
            this.security = Objects.requireNonNull(security, "security");
            return this;
        }

        /** Serves {@code wss://} (and {@code https://} endpoints) with this certificate. */
        public Builder tls(TlsConfig tls) {
            this.tls = Objects.requireNonNull(tls, "tls");
            return this;
        }

        /** Enables {@code POST /admin/drain} for requests bearing {@code Authorization: Bearer <token>}. */
        public Builder adminToken(String token) {
            Objects.requireNonNull(token, "adminToken");
            if (token.length() < 16) {
                throw new IllegalArgumentException("adminToken must have at least 16 characters");
            }
            this.adminToken = token;
            return this;
        }

        /**
         * Whether the default (Netty) transport also serves the sse-v1 binding at {@code /ltp/sse}, for clients
         * whose network breaks WebSocket (docs/extensions/sse-v1.md). Default {@code true}; ignored with
         * {@link #transport(LtpTransport)}.
         */
        public Builder sseBinding(boolean enabled) {
            this.sseBinding = enabled;
            return this;
        }

        /**
         * Whether to serve a small example page at {@code /example/sse} that speaks LTP from a browser over the
         * sse-v1 binding (EventSource and fetch). Off by default: it is a demonstration, not part of an API.
         */
        public Builder examplePage(boolean enabled) {
            this.examplePage = enabled;
            return this;
        }

        /** {@code server_capabilities} of acks (default the reference server's). */
        public Builder capabilities(List<String> capabilities) {
            this.capabilities = List.copyOf(capabilities);
            return this;
        }

        /** {@code metadata} of acks (default {@code server_version} and {@code implementation}). */
        public Builder ackMetadata(JsonObject metadata) {
            this.ackMetadata = Objects.requireNonNull(metadata, "ackMetadata").deepCopy();
            return this;
        }

        /** The clock for timestamps, timeouts and expiry (default UTC system clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Runs the sweeper (default: one daemon thread of the server). */
        public Builder maintenanceScheduler(Scheduler scheduler) {
            this.maintenanceScheduler = Objects.requireNonNull(scheduler, "maintenanceScheduler");
            return this;
        }

        /** Runs handler calls (default: a pool of max(2, cores) daemon threads owned by the server). */
        public Builder applicationExecutor(Executor executor) {
            this.applicationExecutor = Objects.requireNonNull(executor, "applicationExecutor");
            return this;
        }

        /**
         * Declares that the handler never blocks: no I/O, no waiting on futures or locks held by others, nothing
         * slower than a few microseconds. Its calls then run on the I/O thread that read the message instead of the
         * application executor, which saves two thread hand-offs per message (docs/performance.md, "Events": CPU
         * per answered event from about 1.8x to 1.25x bare Netty's). Calls stay serialized per thread and in
         * arrival order. A handler that blocks anyway stalls every connection of its I/O thread.
         *
         * <p>{@link #build()} refuses it together with {@link #applicationExecutor} or with a thread store whose
         * {@link ThreadStore#isBlocking()} is true: the delivery extension calls the store on the same lane.
         */
        public Builder nonBlockingHandler() {
            this.nonBlockingHandler = true;
            return this;
        }

        /** Runs blocking store and authenticator calls (default: a bounded pool owned by the server). */
        public Builder blockingExecutor(Executor executor) {
            this.blockingExecutor = Objects.requireNonNull(executor, "blockingExecutor");
            return this;
        }

        /** Also publishes the server's meters to this registry. */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "meterRegistry");
            return this;
        }

        /** The WebSocket stack (default Netty). */
        public Builder transport(LtpTransport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /**
         * Client messages a thread may have waiting for the handler before the server stops reading its connections
         * (default 1,000); reading resumes when half of them are done. Pushes and replies do not count.
         */
        public Builder maxHandlerBacklog(int max) {
            this.maxHandlerBacklog = positiveInt("maxHandlerBacklog", max);
            return this;
        }

        /** Bounds on what one peer may make the engine do (default {@link PeerLimits#DEFAULTS}). */
        public Builder peerLimits(PeerLimits limits) {
            this.peerLimits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** Bounds the transport enforces (default {@link TransportLimits#DEFAULTS}). */
        public Builder transportLimits(TransportLimits limits) {
            this.transportLimits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * Proxies and load balancers whose {@code X-Forwarded-For} is believed, as literal addresses or CIDR blocks
         * ({@code 10.0.0.0/8}). Limits per address then count their clients, and they are exempt themselves.
         *
         * @throws IllegalArgumentException naming an entry that is not a literal address or block
         */
        public Builder trustedProxies(String... cidrs) {
            List<String> list = List.of(cidrs);
            TrustedProxies.of(list);
            this.trustedProxies = list;
            return this;
        }

        /**
         * Browser origins allowed to open WebSocket connections ({@code https://app.example.com}); others get HTTP
         * 403. None given (default): any origin. Requests without {@code Origin} are not from a browser and pass.
         */
        public Builder allowedOrigins(String... origins) {
            this.transportLimits = transportLimits.toBuilder().allowedOrigins(List.of(origins)).build();
            return this;
        }

        /**
         * Joins a cluster: pushes, replies and broadcasts reach the connections of every node sharing {@code bus},
         * and each node's presence is recorded in it (docs/cluster.md). Pair it with a thread store the nodes share
         * (Redis or PostgreSQL), so a client can resume on any node. The server closes the bus on shutdown.
         */
        public Builder cluster(ClusterBus bus) {
            this.clusterBus = Objects.requireNonNull(bus, "bus");
            return this;
        }

        /** This node's id in the cluster, 1 to 128 characters (default: the host name and a random suffix). */
        public Builder nodeId(String id) {
            Objects.requireNonNull(id, "nodeId");
            if (id.isEmpty() || id.length() > 128) {
                throw new IllegalArgumentException("nodeId must have 1 to 128 characters but had " + id.length());
            }
            this.nodeId = id;
            return this;
        }

        /**
         * How long a push from outside a handler waits for the other nodes holding its thread to answer before its
         * future fails with {@link io.liminal.ltp.server.cluster.ClusterException} (default 2 s).
         */
        public Builder clusterReplyTimeout(Duration timeout) {
            this.clusterReplyTimeout = positive("clusterReplyTimeout", timeout);
            return this;
        }

        /** The server, not started yet. */
        public LtpServer build() {
            if (rateLimitMessages > 0 && rateLimitWindow.toMillis() < 1) {
                throw new IllegalArgumentException("rateLimit window must be at least 1 ms");
            }
            JsonObject metadata = ackMetadata;
            if (metadata == null) {
                metadata = new JsonObject();
                metadata.addProperty("server_version", VERSION);
                metadata.addProperty("implementation", "ltp-java");
            }
            LtpTransport effectiveTransport = transport == null ? new NettyTransport(tls, 0, sseBinding) : transport;
            List<String> effectiveCapabilities = new ArrayList<>(capabilities);
            for (String capability : effectiveTransport.capabilities()) {
                if (!effectiveCapabilities.contains(capability)) {
                    effectiveCapabilities.add(capability);
                }
            }
            ThreadStore effectiveStore = threadStore == null ? new InMemoryThreadStore() : threadStore;
            if (nonBlockingHandler && applicationExecutor != null) {
                throw new IllegalStateException("nonBlockingHandler() runs handler calls on the I/O threads; "
                        + "it cannot be combined with applicationExecutor(...)");
            }
            if (nonBlockingHandler && effectiveStore.isBlocking()) {
                throw new IllegalStateException("nonBlockingHandler() needs a thread store that does not block, but "
                        + effectiveStore.getClass().getSimpleName() + " does: its calls would stall the I/O threads");
            }
            if (security.signaturesRequired() && !effectiveCapabilities.contains(
                    io.liminal.ltp.core.security.EnvelopeSigner.CAPABILITY)) {
                effectiveCapabilities.add(io.liminal.ltp.core.security.EnvelopeSigner.CAPABILITY);
            }
            ServerSettings settings = new ServerSettings(host, port, httpPort, handler, List.copyOf(customTypes),
                    heartbeatInterval, handshakeTimeout, threadTtl, sweepInterval, limits, hardFrameLimitBytes,
                    maxConnections, maxConnectionsPerClient, maxConnectionsPerThread, maxThreads, rateLimitMessages,
                    rateLimitWindow, effectiveStore, authenticator,
                    security, tls, adminToken, List.copyOf(effectiveCapabilities), metadata, clock,
                    maintenanceScheduler, applicationExecutor, nonBlockingHandler, blockingExecutor, meterRegistry,
                    effectiveTransport, maxHandlerBacklog, deliveryRetention, deliveryBatch,
                    peerLimits, transportLimits, TrustedProxies.of(trustedProxies),
                    clusterBus == null ? null : new ClusterSettings(clusterBus,
                            nodeId == null ? defaultNodeId() : nodeId, clusterReplyTimeout), examplePage);
            return new LtpServer(settings);
        }

        private static String defaultNodeId() {
            String host;
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.net.UnknownHostException e) {
                host = "node";
            }
            if (host.length() > 100) {
                host = host.substring(0, 100);
            }
            return host + "-" + io.liminal.ltp.core.security.RandomIds.uuid().substring(0, 8);
        }

        private static int checkPort(String name, int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException(name + " must be within 0..65535 but was " + port);
            }
            return port;
        }

        private static Duration positive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive but was " + value);
            }
            return value;
        }

        private static int positiveInt(String name, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " must be positive but was " + value);
            }
            return value;
        }

        private static int notNegative(String name, int value) {
            if (value < 0) {
                throw new IllegalArgumentException(name + " must not be negative but was " + value);
            }
            return value;
        }
    }
}
