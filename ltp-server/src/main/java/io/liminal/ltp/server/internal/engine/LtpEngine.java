package io.liminal.ltp.server.internal.engine;

import io.liminal.ltp.core.CloseCodes;
import io.liminal.ltp.core.codec.LtpCodec;
import io.liminal.ltp.core.concurrent.Scheduler;
import io.liminal.ltp.core.concurrent.SerialExecutor;
import io.liminal.ltp.core.delivery.DeliveryProtocol;
import io.liminal.ltp.core.internal.text.Redaction;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.core.message.MessageTypes;
import io.liminal.ltp.core.message.StateUpdatePayload;
import io.liminal.ltp.core.session.ServerSessionConfig;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import io.liminal.ltp.server.internal.metrics.ServerMetrics;
import io.liminal.ltp.server.store.DeliveryStore;
import io.liminal.ltp.server.store.ThreadStore;
import io.liminal.ltp.server.transport.ConnectionListener;
import io.liminal.ltp.server.transport.HttpReply;
import io.liminal.ltp.server.transport.TransportConnection;
import io.liminal.ltp.server.transport.TransportContext;
import io.liminal.ltp.server.transport.TransportEvent;
import io.liminal.ltp.server.transport.TransportLimits;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The transport-neutral server: accepts connections from any {@link io.liminal.ltp.server.transport.LtpTransport},
 * owns live threads, handler lanes, limits, metrics, the sweeper, and the drain/shutdown sequence.
 */
public final class LtpEngine implements TransportContext {
    private static final Logger LOG = LoggerFactory.getLogger(LtpEngine.class);
    private static final ConnectionListener CLOSED_LISTENER = new ConnectionListener() {
        @Override
        public void onText(String text, int utf8Bytes) {
        }

        @Override
        public void onBinary(ByteBuffer data) {
        }

        @Override
        public void onOversizedMessage(long sizeBytes) {
        }

        @Override
        public void onClosed(int code, String reason) {
        }
    };

    /** How often the store is asked whether it works. */
    static final Duration STORE_PROBE_INTERVAL = Duration.ofSeconds(5);

    private final ServerSettings settings;
    private final ServerSessionConfig sessionConfig;
    private final LtpCodec codec;
    private final Clock clock;
    private final ThreadStore store;
    private final ThreadRegistry registry = new ThreadRegistry();
    private final PeerGuard guard;
    private final StoreHealth storeHealth;
    private final ServerMetrics metrics;
    private final Set<EngineConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger activeConnections = new AtomicInteger();
    private final AtomicLong storedThreads = new AtomicLong();
    private final CompletableFuture<Void> allClosed = new CompletableFuture<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private volatile boolean draining;
    private volatile boolean ready;
    private volatile long startedMillis;

    private final Executor applicationExecutor;
    /** Where thread lanes run: the application executor, or the submitting thread for a non-blocking handler. */
    private final Executor laneExecutor;
    private final Executor blockingExecutor;
    private final Scheduler maintenance;
    private final ExecutorService ownedApplicationExecutor;
    private final ExecutorService ownedBlockingExecutor;
    /** Writes group commits on a blocking delivery store; {@code null} otherwise. */
    private final ExecutorService ownedCommitWriter;
    private final ScheduledExecutorService ownedMaintenance;
    /** Whether the handler overrides the session callbacks; a no-op default is not worth a lane hand-off. */
    private final boolean dispatchesOpened;
    /** The delivery extension, or {@code null} when it is off or the store cannot keep logs. */
    private final DeliveryLog deliveryLog;
    private final ServerProcess process = new ServerProcess();
    private final OutboxPublisher publisher;
    /** The cluster this node belongs to, or {@code null} when it runs alone. */
    private final ClusterRouter cluster;
    private final HttpEndpoints endpoints;
    /** The handler call running on this thread, whose sends to its own LTP thread are collected. */
    private final ThreadLocal<Outbox> currentOutbox = new ThreadLocal<>();
    private final boolean dispatchesClosed;
    private volatile Scheduler.Cancellable sweep = Scheduler.Cancellable.NONE;
    /**
     * What every thread lane does with an exception its task threw. Handler exceptions never get here (they are
     * caught around the call), so this is the server's own failure. Shared: lanes are made per session.
     */
    private final Thread.UncaughtExceptionHandler laneErrors = (thread, error) -> {
        metrics().internalError("lane");
        LOG.error("Internal error in an LTP thread lane task", error);
    };
    private volatile InetSocketAddress boundAddress;

    public LtpEngine(ServerSettings settings) {
        this.settings = settings;
        this.clock = settings.clock();
        this.store = settings.threadStore();
        this.codec = LtpCodec.withLimits(settings.limits());
        List<String> patterns = settings.customTypePatterns();
        this.sessionConfig = ServerSessionConfig.builder()
                .limits(settings.limits())
                .heartbeatIntervalMs(settings.heartbeatInterval().toMillis())
                .capabilities(settings.capabilities())
                .ackMetadata(settings.ackMetadata())
                .clock(clock)
                .customTypeRoute(type -> settings.deliveryOffered() && DeliveryProtocol.ACK_TYPE.equals(type)
                        || routes(patterns, type))
                .rateLimitExempt(type -> DeliveryProtocol.ACK_TYPE.equals(type))
                .verifier(settings.security().verifier())
                .outboundSigners(settings.security().outboundSigners())
                .pings(settings.peerLimits().pings())
                .errors(settings.peerLimits().errors())
                .maxHeldBytes(settings.peerLimits().maxHeldBytes())
                .build();
        this.deliveryLog = settings.deliveryOffered()
                ? new DeliveryLog(this, (DeliveryStore) settings.threadStore(), settings.deliveryRetention(), process)
                : null;
        this.dispatchesOpened = overrides(settings.handler(), "onSessionOpened", SessionContext.class);
        this.dispatchesClosed = overrides(settings.handler(), "onSessionClosed", SessionContext.class, int.class,
                String.class);
        this.guard = new PeerGuard(settings);
        this.storeHealth = new StoreHealth(store, clock);
        this.metrics = new ServerMetrics(settings.meterRegistry(), activeConnections::get,
                settings.transport()::pendingConnections, registry::size,
                storedThreads::get);
        metrics.inboundBufferedBytes(settings.transport()::bufferedInboundBytes);
        if (deliveryLog != null && store.isBlocking()) {
            // Lanes hand their commits to one writer that stores what waits together (group commit).
            ownedCommitWriter = Executors.newSingleThreadExecutor(daemonThreads("ltp-commit"));
            metrics.groupCommits();
            this.publisher = new OutboxPublisher(this, deliveryLog,
                    new GroupCommitter(deliveryLog.store(), ownedCommitWriter, metrics));
        } else {
            ownedCommitWriter = null;
            this.publisher = new OutboxPublisher(this, deliveryLog, null);
        }

        if (settings.applicationExecutor() != null) {
            ownedApplicationExecutor = null;
            applicationExecutor = settings.applicationExecutor();
        } else {
            int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
            ownedApplicationExecutor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), daemonThreads("ltp-app"));
            applicationExecutor = ownedApplicationExecutor;
        }
        // A non-blocking handler runs where the message was read. A lane still runs one task at a time: a task
        // submitted while another thread drains it is queued and run by that thread, in order.
        laneExecutor = settings.handlerOnIoThreads() ? Runnable::run : applicationExecutor;
        if (settings.blockingExecutor() != null) {
            ownedBlockingExecutor = null;
            blockingExecutor = settings.blockingExecutor();
        } else {
            ThreadPoolExecutor pool = new ThreadPoolExecutor(16, 16, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                    daemonThreads("ltp-blocking"));
            pool.allowCoreThreadTimeOut(true);
            ownedBlockingExecutor = pool;
            blockingExecutor = pool;
        }
        if (settings.maintenanceScheduler() != null) {
            ownedMaintenance = null;
            maintenance = settings.maintenanceScheduler();
        } else {
            ownedMaintenance = Executors.newSingleThreadScheduledExecutor(daemonThreads("ltp-maintenance"));
            maintenance = Scheduler.of(ownedMaintenance);
        }
        ClusterSettings clustering = settings.cluster();
        if (clustering != null) {
            metrics.clustered();
        }
        this.cluster = clustering == null ? null : new ClusterRouter(this, clustering.bus(), clustering.nodeId(),
                clustering.replyTimeout(), maintenance, applicationExecutor);
        this.endpoints = new HttpEndpoints(this);
    }

    // ---- Lifecycle ----------------------------------------------------------------------------------------------

    public void start() throws IOException {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("The server was already started");
        }
        startedMillis = clock.millis();
        storedThreads.set(store.count());
        boundAddress = settings.transport().start(this);
        if (cluster != null) {
            cluster.start(boundAddress);
        }
        ready = true;
        scheduleSweep();
        scheduleStoreProbe();
        if (boundAddress.getPort() == 0) { // a transport inside a container that owns the port
            LOG.info("LTP server {} started on {}", LtpServer.VERSION, settings.transport());
        } else {
            LOG.info("LTP server {} listening on {}{}", LtpServer.VERSION, boundAddress,
                    settings.transport().httpAddress() == null ? "" : " (HTTP endpoints on "
                            + settings.transport().httpAddress() + ")");
        }
    }

    public InetSocketAddress boundAddress() {
        if (boundAddress == null) {
            throw new IllegalStateException("The server is not started");
        }
        return boundAddress;
    }

    public InetSocketAddress httpAddress() {
        return settings.transport().httpAddress();
    }

    public boolean isReady() {
        return ready && !draining && storeHealth.healthy() && (cluster == null || cluster.connected());
    }

    public void drain() {
        if (draining) {
            return;
        }
        draining = true;
        LOG.info("Draining: {} connections get 1001 going away", activeConnections.get());
        for (EngineConnection connection : connections) {
            connection.goAway();
        }
        if (activeConnections.get() == 0) {
            allClosed.complete(null);
        }
    }

    public void shutdown(Duration grace) {
        if (!started.get() || !stopped.compareAndSet(false, true)) {
            return;
        }
        drain();
        try {
            allClosed.get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.info("{} connections still open after {}; closing them", activeConnections.get(), grace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.warn("Drain failed", e);
        }
        sweep.cancel();
        settings.transport().close();
        for (LiveThread thread : registry.all()) {
            flush(thread);
        }
        if (cluster != null) {
            cluster.close();
        }
        ready = false;
        shutdownOwned(ownedApplicationExecutor, grace);
        shutdownOwned(ownedBlockingExecutor, grace);
        recordCleanStop(grace);
        shutdownOwned(ownedCommitWriter, grace);
        if (ownedMaintenance != null) {
            ownedMaintenance.shutdownNow();
        }
        try {
            store.close();
        } catch (RuntimeException e) {
            LOG.warn("Closing the thread store failed", Redaction.redact(e));
        }
        metrics.close();
        LOG.info("LTP server stopped");
    }

    /**
     * Stops handing numbered messages to the handler and, once every one handed over is committed, tells the store
     * that this run stopped cleanly: the next run then marks none of its clients' resent messages as possible
     * redeliveries.
     */
    private void recordCleanStop(Duration grace) {
        if (deliveryLog == null) {
            return;
        }
        if (!process.closeHandovers(grace)) {
            LOG.warn("Handlers still ran {} after the drain; the next start marks what they were handling as "
                    + "possible redeliveries", grace);
            return;
        }
        try {
            deliveryLog.store().recordCleanStop(process.id(), clock.instant());
        } catch (RuntimeException e) {
            LOG.warn("Could not record the clean stop in the thread store", Redaction.redact(e));
        }
    }

    // ---- TransportContext ---------------------------------------------------------------------------------------

    @Override
    public ConnectionListener accept(TransportConnection transport) {
        if (draining || stopped.get()) {
            transport.close(CloseCodes.GOING_AWAY, CloseCodes.REASON_GOING_AWAY);
            return CLOSED_LISTENER;
        }
        if (activeConnections.incrementAndGet() > settings.maxConnections()) {
            activeConnections.decrementAndGet();
            metrics.capacityRefused();
            transport.close(CloseCodes.POLICY_VIOLATION, CloseCodes.REASON_SERVER_AT_CAPACITY);
            return CLOSED_LISTENER;
        }
        EngineConnection connection = new EngineConnection(this, transport);
        connections.add(connection);
        metrics.connectionOpened(transport.transportName());
        connection.start();
        return connection;
    }

    /** Upgrades are refused only while starting or draining; a failing store shows in /ready, not here. */
    @Override
    public boolean acceptingConnections() {
        return ready && !draining;
    }

    @Override
    public HttpReply http(String method, String path, String authorization) {
        return http(method, path, authorization, "").join();
    }

    @Override
    public CompletableFuture<HttpReply> http(String method, String path, String authorization, String body) {
        return endpoints.answer(method, path, authorization, body);
    }

    @Override
    public InetSocketAddress bindAddress() {
        return new InetSocketAddress(settings.host(), settings.port());
    }

    @Override
    public InetSocketAddress httpBindAddress() {
        return settings.httpPort() < 0 ? null : new InetSocketAddress(settings.host(), settings.httpPort());
    }

    @Override
    public int maxMessageBytes() {
        return settings.limits().maxMessageBytes();
    }

    @Override
    public long hardFrameLimitBytes() {
        return settings.hardFrameLimitBytes();
    }

    @Override
    public TransportLimits limits() {
        return settings.transportLimits();
    }

    @Override
    public boolean isTrustedProxy(SocketAddress peer) {
        return settings.trustedProxies().contains(peer);
    }

    @Override
    public void record(TransportEvent event) {
        metrics.transportEvent(event.tag());
    }

    // ---- Application-facing operations --------------------------------------------------------------------------

    /**
     * Sends to every live connection of a thread. Inside a handler call for that same thread it is collected and
     * published when the call returns (with delivery-v1, in the commit that completes the handled message).
     */
    public CompletableFuture<Integer> pushTo(String threadId, Envelope envelope) {
        Outbox outbox = currentOutbox.get();
        if (outbox != null && outbox.captures(threadId)) {
            return outbox.addPush(envelope);
        }
        if (deliveryLog != null && DeliveryProtocol.isNumbered(envelope.type())) {
            CompletableFuture<Integer> result = new CompletableFuture<>();
            publishOnLane(threadId, new Outbox.Send(envelope, null, null, null, result));
            return result;
        }
        LiveThread thread = registry.get(threadId);
        CompletableFuture<Integer> here = thread == null || thread.connections.isEmpty()
                ? CompletableFuture.completedFuture(0) : pushPlain(List.copyOf(thread.connections), envelope);
        return cluster == null ? here : here.thenCombine(cluster.push(threadId, envelope, true), Integer::sum);
    }

    /**
     * A reply on a session. Inside a handler call of its thread it is collected; outside, a reply to a delivery-v1
     * session is logged for its client instance (it gets it now, or on its next resume), and one to a plain session
     * is written to its connection if the session is still there.
     */
    CompletableFuture<Void> reply(EngineConnection connection, Session session, String deliveryInstance,
            Envelope envelope) {
        String instance = deliveryInstance != null && DeliveryProtocol.isNumbered(envelope.type())
                ? deliveryInstance : null;
        Outbox outbox = currentOutbox.get();
        if (outbox != null && outbox.captures(session.threadId())) {
            return outbox.addReply(envelope, connection, session, instance);
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        if (instance != null) {
            publishOnLane(session.threadId(), new Outbox.Send(envelope, connection, session, instance, result));
        } else {
            connection.sendDirect(session, envelope, result);
        }
        return result;
    }

    /**
     * Publishes one send from outside a handler on the thread's lane: the live thread's, or a dormant one's while
     * it is offline, so that a client resuming at the same moment cannot miss it. The future completes once it is
     * in the log (or written, when not logged).
     */
    private void publishOnLane(String threadId, Outbox.Send send) {
        registry.onLane(threadId, this::newThreadLane, thread -> {
            try {
                publisher.publish(thread, List.of(send), null, true);
            } catch (RuntimeException e) {
                metrics.storeFailure("append");
                storeHealth.failed(e);
                LOG.warn("Could not log a {} for thread {}: {}", send.envelope().type(), threadId,
                        Redaction.redact(e).toString());
            } finally {
                if (thread.connections.isEmpty()) {
                    retire(thread);
                }
            }
        });
    }

    CompletableFuture<Integer> pushPlain(List<EngineConnection> targets, Envelope envelope) {
        if (targets.isEmpty()) {
            return CompletableFuture.completedFuture(0);
        }
        AtomicInteger delivered = new AtomicInteger();
        AtomicInteger remaining = new AtomicInteger(targets.size());
        CompletableFuture<Integer> result = new CompletableFuture<>();
        for (EngineConnection connection : targets) {
            boolean posted = connection.post(() -> {
                try {
                    if (connection.sendIfActive(envelope)) {
                        delivered.incrementAndGet();
                    }
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                } finally {
                    if (remaining.decrementAndGet() == 0) {
                        result.complete(delivered.get());
                    }
                }
            });
            if (!posted && remaining.decrementAndGet() == 0) { // a connection gone with a stopping server
                result.complete(delivered.get());
            }
        }
        return result;
    }

    /**
     * Sends to every connection of every node.
     *
     * @return completes with how many connections it was handed to, cluster-wide
     */
    public CompletableFuture<Integer> broadcast(Envelope envelope) {
        CompletableFuture<Integer> here = broadcastHere(envelope);
        return cluster == null ? here : here.thenCombine(cluster.broadcast(envelope), Integer::sum);
    }

    /** Sends to every connection of this node; completes with how many it was handed to. */
    CompletableFuture<Integer> broadcastHere(Envelope envelope) {
        int posted = 0;
        for (EngineConnection connection : connections) {
            boolean handed = connection.post(() -> {
                try {
                    connection.sendIfActive(envelope);
                } catch (RuntimeException e) {
                    LOG.warn("Broadcast to {} failed: {}", connection.transport.remoteAddress(), e.getMessage());
                }
            });
            if (handed) {
                posted++;
            }
        }
        return CompletableFuture.completedFuture(posted);
    }

    boolean draining() {
        return draining;
    }

    /** Whether start() finished (and shutdown did not begin). */
    boolean started() {
        return ready;
    }

    long startedMillis() {
        return startedMillis;
    }

    public int activeConnections() {
        return activeConnections.get();
    }

    public int liveThreads() {
        return registry.size();
    }

    public ServerMetrics metrics() {
        return metrics;
    }

    // ---- For connections ------------------------------------------------------------------------------------------

    ServerSettings settings() {
        return settings;
    }

    ServerSessionConfig sessionConfig() {
        return sessionConfig;
    }

    LtpCodec codec() {
        return codec;
    }

    Clock clock() {
        return clock;
    }

    ThreadStore store() {
        return store;
    }

    /** The delivery extension, or {@code null} when off. */
    DeliveryLog deliveryLog() {
        return deliveryLog;
    }

    /** The cluster this node belongs to, or {@code null} when it runs alone. */
    ClusterRouter cluster() {
        return cluster;
    }

    ThreadRegistry registry() {
        return registry;
    }

    PeerGuard guard() {
        return guard;
    }

    StoreHealth storeHealth() {
        return storeHealth;
    }

    Executor blockingExecutor() {
        return blockingExecutor;
    }

    boolean handshakeMayBlock() {
        return store.isBlocking() || settings.authenticator() != null && settings.authenticator().isBlocking();
    }

    long storedThreads() {
        return storedThreads.get();
    }

    void threadCreated() {
        storedThreads.incrementAndGet();
    }

    SerialExecutor newThreadLane() {
        return new SerialExecutor(laneExecutor, laneErrors);
    }

    void connectionClosed(EngineConnection connection) {
        if (!connections.remove(connection)) {
            return;
        }
        metrics.connectionClosed(connection.transport.transportName());
        if (activeConnections.decrementAndGet() == 0 && draining) {
            allClosed.complete(null);
        }
    }

    /** A client message without a number: the handler, then what it sent. Lane only. */
    void handle(LiveThread thread, ServerSessionContext context, Envelope envelope, long arrivedNanos) {
        publishAfterCall(thread, dispatch(thread, context, envelope, arrivedNanos), envelope.type());
    }

    /**
     * Calls the handler for a client message, collecting what it sends to its own thread. Lane only.
     *
     * @return the call's outbox, closed, for the caller to publish
     */
    Outbox dispatch(LiveThread thread, ServerSessionContext context, Envelope envelope, long arrivedNanos) {
        LtpHandler handler = settings.handler();
        Outbox outbox = new Outbox(thread);
        Outbox outer = currentOutbox.get(); // a direct executor can run one lane inside another's call
        currentOutbox.set(outbox);
        try (MDC.MDCCloseable t = MDC.putCloseable("ltp.thread_id", context.threadId());
             MDC.MDCCloseable s = MDC.putCloseable("ltp.session_id", context.sessionId());
             MDC.MDCCloseable c = MDC.putCloseable("ltp.client_id", context.clientId())) {
            switch (envelope.type()) {
                case MessageTypes.STATE_UPDATE -> handler.onStateUpdate(context, StateUpdatePayload.from(envelope));
                case MessageTypes.EVENT -> handler.onEvent(context, EventPayload.from(envelope));
                default -> handler.onCustomMessage(context, envelope);
            }
        } catch (RuntimeException e) {
            metrics.handlerError();
            LOG.error("LTP handler failed on {} of thread {}", envelope.type(), context.threadId(), e);
        } finally {
            outbox.close();
            restore(outer);
            metrics.handled(System.nanoTime() - arrivedNanos);
        }
        return outbox;
    }

    /** Puts back the enclosing call's outbox; {@code set(null)} keeps the thread's map entry for the next call. */
    private void restore(Outbox outer) {
        currentOutbox.set(outer);
    }

    /** Publishes what a call without a numbered message sent; a failed commit fails those sends' futures. */
    private void publishAfterCall(LiveThread thread, Outbox outbox, String what) {
        try {
            publisher.publish(thread, outbox.sends(), null, false);
        } catch (RuntimeException e) {
            metrics.storeFailure("append");
            storeHealth.failed(e);
            LOG.error("Could not log what the handler sent on {} of thread {}", what, thread.threadId(),
                    Redaction.redact(e));
        }
    }

    /** A client message's lane task finished: count it off, and let paused connections read again. */
    void inboundDone(LiveThread thread) {
        int left = thread.inboundBacklog.decrementAndGet();
        if (!thread.paused.isEmpty() && left <= settings.maxHandlerBacklog() / 2) {
            for (EngineConnection paused : thread.paused) {
                if (thread.paused.remove(paused)) {
                    paused.resumeReading();
                }
            }
        }
    }

    OutboxPublisher publisher() {
        return publisher;
    }

    boolean dispatchesOpened() {
        return dispatchesOpened;
    }

    boolean dispatchesClosed() {
        return dispatchesClosed;
    }

    private static boolean overrides(LtpHandler handler, String method, Class<?>... parameters) {
        try {
            return handler.getClass().getMethod(method, parameters).getDeclaringClass() != LtpHandler.class;
        } catch (NoSuchMethodException e) {
            return true;
        }
    }

    void dispatchOpened(LiveThread thread, ServerSessionContext context) {
        sessionCallback(thread, context, "onSessionOpened", () -> settings.handler().onSessionOpened(context));
    }

    void dispatchClosed(LiveThread thread, ServerSessionContext context, int code, String reason) {
        sessionCallback(thread, context, "onSessionClosed",
                () -> settings.handler().onSessionClosed(context, code, reason));
    }

    private void sessionCallback(LiveThread thread, ServerSessionContext context, String name, Runnable call) {
        Outbox outbox = new Outbox(thread);
        Outbox outer = currentOutbox.get();
        currentOutbox.set(outbox);
        try (MDC.MDCCloseable t = MDC.putCloseable("ltp.thread_id", context.threadId());
             MDC.MDCCloseable s = MDC.putCloseable("ltp.session_id", context.sessionId())) {
            call.run();
        } catch (RuntimeException e) {
            metrics.handlerError();
            LOG.error("LTP handler failed in {} of thread {}", name, context.threadId(), e);
        } finally {
            outbox.close();
            restore(outer);
        }
        publishAfterCall(thread, outbox, name);
    }

    /** On the thread's lane after its last connection closed: write it back and forget it unless reattached. */
    void retire(LiveThread thread) {
        if (registry.retireIfUnused(thread)) {
            if (cluster != null) {
                cluster.threadChanged(thread.threadId());
            }
            if (store.isBlocking()) {
                blockingExecutor.execute(() -> flush(thread));
            } else {
                flush(thread);
            }
        }
    }

    private void flush(LiveThread thread) {
        if (!thread.takeDirty()) {
            return;
        }
        try {
            store.update(thread.snapshot());
        } catch (RuntimeException e) {
            storeHealth.failed(e);
            LOG.warn("Could not write thread {} back to the store", thread.threadId(), Redaction.redact(e));
        }
    }

    // ---- Sweeper --------------------------------------------------------------------------------------------------

    /** Every few seconds, off the I/O threads: does the store still work? */
    private void scheduleStoreProbe() {
        maintenance.schedule(() -> {
            if (stopped.get()) {
                return;
            }
            Runnable probe = () -> {
                storeHealth.probe();
                scheduleStoreProbe();
            };
            if (store.isBlocking()) {
                try {
                    blockingExecutor.execute(probe);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    LOG.debug("Store probe not run: the server is stopping");
                }
            } else {
                probe.run();
            }
        }, STORE_PROBE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void scheduleSweep() {
        sweep = maintenance.schedule(this::runSweep, settings.sweepInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void runSweep() {
        if (stopped.get()) {
            return;
        }
        try {
            sweepOnce();
        } catch (RuntimeException e) {
            storeHealth.failed(e);
            LOG.warn("Thread sweep failed", Redaction.redact(e));
        } finally {
            if (!stopped.get()) {
                scheduleSweep();
            }
        }
    }

    /** Writes live threads back, evicts idle ones, refreshes the stored count. Package-visible for tests. */
    void sweepOnce() {
        for (LiveThread thread : registry.all()) {
            if (thread.base != null) {
                flush(thread);
            }
            if (thread.connections.isEmpty()) {
                // A retirement skipped because work was still queued then (see ThreadRegistry.retireIfUnused).
                thread.lane.execute(() -> retire(thread));
            }
        }
        int evicted = store.evictIdleBefore(clock.instant().minus(settings.threadTtl()));
        if (evicted > 0) {
            LOG.debug("Evicted {} idle threads", evicted);
        }
        storedThreads.set(store.count());
        guard.sweep();
    }

    // ---- Helpers --------------------------------------------------------------------------------------------------

    private static boolean routes(List<String> patterns, String type) {
        for (String pattern : patterns) {
            if (pattern.endsWith(":*") ? type.startsWith(pattern.substring(0, pattern.length() - 1))
                    : pattern.equals(type)) {
                return true;
            }
        }
        return false;
    }

    private static void shutdownOwned(ExecutorService executor, Duration grace) {
        if (executor == null) {
            return;
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(Math.max(100, grace.toMillis()), TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
