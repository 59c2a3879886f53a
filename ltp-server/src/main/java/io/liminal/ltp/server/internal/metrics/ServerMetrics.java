package io.liminal.ltp.server.internal.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The server's meters, registered in a Prometheus registry (served at {@code /metrics}) and, when the application
 * passes one, in its own registry too. {@code /metrics} also carries Micrometer's JVM and process meters (memory,
 * GC, threads, classes, CPU, uptime), which operators and load tests read for memory per session; they go to the
 * server's own registry only, since an application with a registry of its own binds them there itself.
 *
 * <p>Message types are bounded as tags ({@link #MESSAGE_TYPES}); the message counters, by far the most frequent
 * updates, are {@link ThreadRowCounters}: counted per thread, summed at scrape.
 */
public final class ServerMetrics {
    /**
     * Message types as tags: the spec's types by name, every custom {@code namespace:type} as {@code custom},
     * anything else as {@code other}; so a hostile client cannot create meters without end.
     */
    static final String[] MESSAGE_TYPES = {"handshake_init", "handshake_resume", "handshake_ack", "handshake_reject",
        "ping", "pong", "state_update", "event", "error", "custom", "other"};
    private final PrometheusMeterRegistry prometheus;
    private final MeterRegistry registry;
    private final Counter connectionsTotal;
    private final Counter capacityRefusals;
    private final Counter rateLimited;
    private final Counter heartbeatTimeouts;
    private final Counter handlerErrors;
    private final Counter deliveryDuplicates;
    private final Counter deliveryGaps;
    private final Counter backlogPauses;
    private final Timer handling;
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final ThreadRowCounters received;
    private final ThreadRowCounters sent;
    private final ConcurrentMap<String, Counter> handshakes = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> errors = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> storeFailures = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> internalErrors = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> transportEvents = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> transportConnections = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, AtomicInteger> activeTransportConnections = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> abuseCloses = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> clusterErrors = new ConcurrentHashMap<>();
    private Counter clusterPublished;
    private Counter clusterReceived;
    private Counter clusterReconnects;
    private Timer clusterRoundTrip;
    private DistributionSummary commitGroupSize;
    private Timer commitGroupTime;

    /**
     * @param applicationRegistry the application's registry to publish to as well, or {@code null}
     * @param activeConnections current connection count
     * @param pendingConnections connections accepted and not upgraded yet
     * @param liveThreads threads with at least one live connection
     * @param storedThreads threads in the store (last known count)
     */
    public ServerMetrics(MeterRegistry applicationRegistry, Supplier<Number> activeConnections,
            Supplier<Number> pendingConnections, Supplier<Number> liveThreads, Supplier<Number> storedThreads) {
        this.prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(prometheus);
        gcMetrics.bindTo(prometheus);
        new JvmThreadMetrics().bindTo(prometheus);
        new ClassLoaderMetrics().bindTo(prometheus);
        new ProcessorMetrics().bindTo(prometheus);
        new UptimeMetrics().bindTo(prometheus);
        if (applicationRegistry == null) {
            this.registry = prometheus;
        } else {
            CompositeMeterRegistry composite = new CompositeMeterRegistry();
            composite.add(prometheus);
            composite.add(applicationRegistry);
            this.registry = composite;
        }
        received = new ThreadRowCounters("ltp_messages_received_total", "Valid messages received, by type", "type",
                MESSAGE_TYPES, registry);
        sent = new ThreadRowCounters("ltp_messages_sent_total", "Messages sent, by type", "type", MESSAGE_TYPES,
                registry);
        Gauge.builder("ltp_connections_active", activeConnections).description("Open connections, every transport")
                .register(registry);
        Gauge.builder("ltp_connections_pending", pendingConnections)
                .description("Connections accepted that have not completed a WebSocket upgrade").register(registry);
        Gauge.builder("ltp_threads_live", liveThreads).description("Threads with at least one live connection")
                .register(registry);
        Gauge.builder("ltp_threads_stored", storedThreads).description("Threads in the thread store")
                .register(registry);
        connectionsTotal = Counter.builder("ltp_connections_total").description("Connections accepted, every transport")
                .register(registry);
        capacityRefusals = Counter.builder("ltp_connections_refused_total").tag("reason", "capacity")
                .description("Connections closed at once with 1008 Server at capacity").register(registry);
        rateLimited = Counter.builder("ltp_rate_limited_total").description("Messages refused by the rate limit")
                .register(registry);
        heartbeatTimeouts = Counter.builder("ltp_heartbeat_timeouts_total")
                .description("Connections closed for inactivity").register(registry);
        handlerErrors = Counter.builder("ltp_handler_errors_total")
                .description("Exceptions thrown by the application handler").register(registry);
        deliveryDuplicates = Counter.builder("ltp_delivery_duplicates_total")
                .description("Numbered client messages dropped as already processed (resent after a reconnect)")
                .register(registry);
        deliveryGaps = Counter.builder("ltp_delivery_gaps_total")
                .description("Resumes that asked for messages already trimmed from the thread's log")
                .register(registry);
        backlogPauses = Counter.builder("ltp_backlog_pauses_total")
                .description("Times reading from a connection paused because its thread's handler backlog was full")
                .register(registry);
        handling = Timer.builder("ltp_message_handling_seconds")
                .description("Time from a message's arrival to the end of its handler call")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    /** Registers the cluster's meters (only nodes in a cluster have them). */
    public void clustered() {
        clusterPublished = Counter.builder("ltp_cluster_messages_published_total")
                .description("Messages this node published on the cluster bus").register(registry);
        clusterReceived = Counter.builder("ltp_cluster_messages_received_total")
                .description("Messages this node received from the cluster bus").register(registry);
        clusterReconnects = Counter.builder("ltp_cluster_reconnects_total")
                .description("Times the cluster bus connection came back").register(registry);
        clusterRoundTrip = Timer.builder("ltp_cluster_push_seconds")
                .description("Time from publishing a cross-node push until every node holding its thread answered")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(50_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    /** Registers the meters of group commit (only servers on a blocking delivery store have them). */
    public void groupCommits() {
        commitGroupSize = DistributionSummary.builder("ltp_delivery_commit_group_size")
                .description("Commits of the delivery log written together in one store call").register(registry);
        commitGroupTime = Timer.builder("ltp_delivery_commit_group_seconds")
                .description("Time one store call took to write a group of delivery commits")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(50_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    /** One group of {@code size} commits took {@code nanos} in the store. */
    public void commitGroup(int size, long nanos) {
        commitGroupSize.record(size);
        commitGroupTime.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void clusterPublished() {
        clusterPublished.increment();
    }

    public void clusterReceived() {
        clusterReceived.increment();
    }

    public void clusterReconnect() {
        clusterReconnects.increment();
    }

    public void clusterRoundTrip(long nanos) {
        clusterRoundTrip.record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * A cluster operation failed ({@code reason}: {@code publish}, {@code answer}, {@code timeout},
     * {@code disconnected}, {@code decode}, {@code handle}, {@code hold}, {@code presence}, {@code start}).
     */
    public void clusterError(String reason) {
        counter(clusterErrors, reason, r -> Counter.builder("ltp_cluster_errors_total").tag("reason", r)
                .description("Cluster bus failures, by reason").register(registry)).increment();
    }

    /** Registers a gauge of the transport's buffered inbound bytes (only large frames are counted, see FrameGate). */
    public void inboundBufferedBytes(Supplier<Number> bytes) {
        Gauge.builder("ltp_inbound_buffered_bytes", bytes)
                .description("Bytes of unfinished inbound messages held over all connections").register(registry);
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return prometheus.scrape();
    }

    /** Stops the JVM meters' GC listeners; the meters stay readable. */
    public void close() {
        gcMetrics.close();
    }

    /** The registry meters are published to. */
    public MeterRegistry registry() {
        return registry;
    }

    /** A connection was accepted over {@code transport} (a TransportConnection name, a fixed set). */
    public void connectionOpened(String transport) {
        connectionsTotal.increment();
        counter(transportConnections, transport, t -> Counter.builder("ltp_transport_connections_total")
                .tag("transport", t).description("Connections accepted, by transport").register(registry))
                .increment();
        activeByTransport(transport).incrementAndGet();
    }

    /** A connection accepted over {@code transport} closed. */
    public void connectionClosed(String transport) {
        activeByTransport(transport).decrementAndGet();
    }

    private AtomicInteger activeByTransport(String transport) {
        AtomicInteger active = activeTransportConnections.get(transport);
        return active != null ? active : activeTransportConnections.computeIfAbsent(transport, t -> {
            AtomicInteger count = new AtomicInteger();
            Gauge.builder("ltp_transport_connections_active", count, AtomicInteger::get).tag("transport", t)
                    .description("Open connections, by transport").register(registry);
            return count;
        });
    }

    /** A connection was refused because the server is full. */
    public void capacityRefused() {
        capacityRefusals.increment();
    }

    /** A valid message of {@code type} arrived. */
    public void received(String type) {
        received.increment(messageTypeIndex(type));
    }

    /** A message of {@code type} was sent. */
    public void sent(String type) {
        sent.increment(messageTypeIndex(type));
    }

    /** An error with {@code code} was sent. */
    public void error(String code) {
        counter(errors, code, c -> Counter.builder("ltp_errors_total").tag("code", c)
                .description("Errors sent, by code").register(registry)).increment();
        if ("RATE_LIMIT_EXCEEDED".equals(code)) {
            rateLimited.increment();
        }
    }

    /** A handshake ended with {@code outcome} (accepted_new, accepted_resume, rejected_*, refused_*). */
    public void handshake(String outcome) {
        counter(handshakes, outcome, o -> Counter.builder("ltp_handshakes_total").tag("outcome", o)
                .description("Handshakes by outcome").register(registry)).increment();
    }

    /** A connection was closed for inactivity. */
    public void heartbeatTimeout() {
        heartbeatTimeouts.increment();
    }

    /** A numbered client message was a duplicate. */
    public void duplicateDropped() {
        deliveryDuplicates.increment();
    }

    /** A client asked for messages trimmed from the log. */
    public void deliveryGap() {
        deliveryGaps.increment();
    }

    /** The application handler threw. */
    public void handlerError() {
        handlerErrors.increment();
    }

    /** Reading from a connection paused on a full handler backlog. */
    public void backlogPaused() {
        backlogPauses.increment();
    }

    /**
     * A thread store operation failed ({@code operation}: {@code commit} completing a client message,
     * {@code append} of a push or of what a session callback sent).
     */
    public void storeFailure(String operation) {
        counter(storeFailures, operation, o -> Counter.builder("ltp_store_failures_total").tag("operation", o)
                .description("Thread store operations that failed, by operation").register(registry)).increment();
    }

    /** The server's own code failed ({@code where}: a fixed name), as opposed to the application's handler. */
    public void internalError(String where) {
        counter(internalErrors, where, w -> Counter.builder("ltp_internal_errors_total").tag("where", w)
                .description("Failures of the server's own code, by where they happened").register(registry))
                .increment();
    }

    /** A connection was closed 1008 for abuse ({@code reason}: {@code too_many_errors}, {@code too_many_held}). */
    public void abuseClose(String reason) {
        counter(abuseCloses, reason, r -> Counter.builder("ltp_abuse_closes_total").tag("reason", r)
                .description("Connections closed 1008 for abuse, by reason").register(registry)).increment();
    }

    /** The transport refused or cut something short ({@code event}: a TransportEvent tag, a fixed set). */
    public void transportEvent(String event) {
        counter(transportEvents, event, e -> Counter.builder("ltp_transport_events_total").tag("event", e)
                .description("What the transport refused or cut short to keep a bound, by event").register(registry))
                .increment();
    }

    /** A message took {@code nanos} from arrival to the end of its handler call. */
    public void handled(long nanos) {
        handling.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The type's index in {@link #MESSAGE_TYPES}: the spec's types by name, custom ones and anything else apart. */
    static int messageTypeIndex(String type) {
        return switch (type) {
            case "handshake_init" -> 0;
            case "handshake_resume" -> 1;
            case "handshake_ack" -> 2;
            case "handshake_reject" -> 3;
            case "ping" -> 4;
            case "pong" -> 5;
            case "state_update" -> 6;
            case "event" -> 7;
            case "error" -> 8;
            default -> type.indexOf(':') > 0 ? 9 : 10;
        };
    }

    private static Counter counter(ConcurrentMap<String, Counter> cache, String key, Function<String, Counter> create) {
        Counter counter = cache.get(key);
        return counter != null ? counter : cache.computeIfAbsent(key, create);
    }
}
