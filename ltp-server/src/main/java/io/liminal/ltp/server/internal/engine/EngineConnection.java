package io.liminal.ltp.server.internal.engine;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.CloseCodes;
import io.liminal.ltp.core.ErrorCode;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.LtpVersions;
import io.liminal.ltp.core.codec.Toon;
import io.liminal.ltp.core.concurrent.Scheduler;
import io.liminal.ltp.core.delivery.DeliveryProtocol;
import io.liminal.ltp.core.internal.limit.TokenBucket;
import io.liminal.ltp.core.internal.text.LogSafe;
import io.liminal.ltp.core.internal.text.Redaction;
import io.liminal.ltp.core.message.ContentEncoding;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.ErrorPayload;
import io.liminal.ltp.core.message.HandshakeInit;
import io.liminal.ltp.core.message.HandshakeReject;
import io.liminal.ltp.core.message.HandshakeResume;
import io.liminal.ltp.core.message.LtpMessage;
import io.liminal.ltp.core.message.MessageTypes;
import io.liminal.ltp.core.message.Meta;
import io.liminal.ltp.core.security.RandomIds;
import io.liminal.ltp.core.session.HandshakeOutcome;
import io.liminal.ltp.core.session.ServerConnectionMachine;
import io.liminal.ltp.server.auth.AuthRequest;
import io.liminal.ltp.server.auth.AuthResult;
import io.liminal.ltp.server.store.DeliveryStore;
import io.liminal.ltp.server.store.ThreadRecord;
import io.liminal.ltp.server.transport.ConnectionListener;
import io.liminal.ltp.server.transport.TransportConnection;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One connection: feeds the transport's frames to its {@link ServerConnectionMachine} and carries out what the
 * machine asks for. Everything here runs on the connection's lane ({@link TransportConnection#executor()}), except
 * the blocking steps of a handshake, which run on the engine's blocking executor and report back to the lane.
 * Fields without a note are lane-confined.
 */
final class EngineConnection implements ConnectionListener, ServerConnectionMachine.Actions {
    private static final Logger LOG = LoggerFactory.getLogger(EngineConnection.class);

    private final LtpEngine engine;
    final TransportConnection transport;
    private final ServerConnectionMachine machine;
    private final TokenBucket ownBucket;

    /** The identity's shared rate-limit bucket once bound; written on the lane, read by the machine's gate there. */
    private TokenBucket clientBucket;
    /** Who the bound session's limits are charged to (see PeerGuard); {@code null} until bound. */
    private String identity;
    /** The address handshakes are charged to, resolved at the first handshake. */
    private String clientAddress;
    private LiveThread thread;
    private Session session;
    private long lastInboundMillis;
    /** The handshake timeout until the session is bound, then the idle check: one timer per connection. */
    private Scheduler.Cancellable livenessTimer = Scheduler.Cancellable.NONE;
    private boolean closed;
    /** {@link #closed} for the blocking executor, which skips the handshake of a connection already gone. */
    private volatile boolean gone;
    private boolean pausedForBacklog;
    /** The bound session's frame heads (pongs, acks and logged messages are most of what a server sends). */
    private StampedText.Heads heads;
    /**
     * The client's delivery hello when the session negotiated {@code delivery-v1}, else {@code null}. Written on
     * this connection's lane, read by the thread's lane.
     */
    private volatile DeliveryProtocol.Hello deliveryPeer;
    /** The highest client message to acknowledge in the ack task already posted; 0 when none is posted. */
    private final AtomicLong ackThrough = new AtomicLong();
    /** Numbered messages read and not yet taken by the thread's lane, when commits are batched. */
    private final Queue<Inboxed> numberedInbox = new ConcurrentLinkedQueue<>();
    /** A lane task that will take {@link #numberedInbox} is queued and has not started. */
    private final AtomicBoolean numberedTaskQueued = new AtomicBoolean();

    EngineConnection(LtpEngine engine, TransportConnection transport) {
        this.engine = engine;
        this.transport = transport;
        PeerGuard guard = engine.guard();
        this.ownBucket = guard.newConnectionBucket();
        this.machine = new ServerConnectionMachine(engine.sessionConfig(),
                guard.gate(() -> clientBucket != null ? clientBucket : ownBucket));
    }

    void start() {
        lastInboundMillis = engine.clock().millis();
        scheduleLivenessCheck(engine.settings().handshakeTimeout().toMillis());
    }

    // ---- Frames from the transport ------------------------------------------------------------------------------

    @Override
    public void onText(String text, int utf8Bytes) {
        machine.onText(text, utf8Bytes, this);
    }

    @Override
    public void onAsciiText(ByteBuffer ascii) {
        machine.onAsciiText(ascii, this);
    }

    @Override
    public void onBinary(ByteBuffer data) {
        machine.onBinary(data, this);
    }

    @Override
    public void onOversizedMessage(long sizeBytes) {
        machine.onOversizedFrame(sizeBytes, this);
    }

    @Override
    public void onClosed(int code, String reason) {
        if (closed) {
            return;
        }
        closed = true;
        gone = true;
        machine.onTransportClosed();
        livenessTimer.cancel();
        unbind(code, reason);
        engine.connectionClosed(this);
    }

    // ---- Machine actions ----------------------------------------------------------------------------------------

    @Override
    public void send(LtpMessage message) {
        String type = message.type();
        if (MessageTypes.PONG.equals(type) && session != null) {
            byte[] frame = StampedText.pong(heads(), (Envelope) message);
            if (frame != null) {
                transport.sendUtf8(frame);
                engine.metrics().sent(type);
                return;
            }
        }
        transport.send(engine.codec().encode(message));
        engine.metrics().sent(type);
        if (MessageTypes.ERROR.equals(type)) {
            ErrorPayload error = ErrorPayload.from((Envelope) message);
            engine.metrics().error(error.code());
            if (LOG.isDebugEnabled()) {
                LOG.debug("Sent {} to {}: {}", error.code(), transport.remoteAddress(), error.message());
            }
        }
    }

    @Override
    public void close(int code, String reason) {
        if (code == CloseCodes.NORMAL && CloseCodes.REASON_HEARTBEAT_TIMEOUT.equals(reason)) {
            engine.metrics().heartbeatTimeout();
        } else if (ServerConnectionMachine.REASON_TOO_MANY_ERRORS.equals(reason)) {
            engine.metrics().abuseClose("too_many_errors");
        } else if (ServerConnectionMachine.REASON_TOO_MANY_HELD.equals(reason)) {
            engine.metrics().abuseClose("too_many_held");
        }
        transport.close(code, reason);
    }

    @Override
    public void accepted(LtpMessage message, long nowMillis) {
        lastInboundMillis = nowMillis;
        engine.metrics().received(message.type());
        if (thread != null && message instanceof Envelope envelope) {
            thread.recordActivity(nowMillis, envelope.meta());
        }
    }

    @Override
    public void deliver(Envelope envelope) {
        LiveThread target = thread;
        DeliveryProtocol.Hello peer = deliveryPeer;
        if (DeliveryProtocol.isAck(envelope)) {
            return; // acknowledgements are informational: the log is bounded by retention, not by acks
        }
        long arrivedNanos = System.nanoTime();
        long seq = peer == null ? 0 : DeliveryProtocol.seqOf(envelope);
        Runnable handle;
        if (seq > 0) {
            Envelope plain = DeliveryProtocol.withoutSeq(envelope);
            ServerSessionContext context = new ServerSessionContext(engine, this, session, plain, peer.instance());
            DeliveryLog.Numbered numbered = new DeliveryLog.Numbered(plain, seq, context, arrivedNanos);
            if (engine.settings().deliveryBatch() > 1) {
                deliverBatched(target, numbered, peer.instance());
                return;
            }
            handle = () -> engine.deliveryLog().receive(target, List.of(numbered), peer.instance(), this);
        } else {
            ServerSessionContext context = new ServerSessionContext(engine, this, session, envelope,
                    peer == null ? null : peer.instance());
            handle = () -> engine.handle(target, context, envelope, arrivedNanos);
        }
        target.inboundBacklog.incrementAndGet();
        try {
            target.lane.execute(() -> {
                try {
                    handle.run();
                } finally {
                    engine.inboundDone(target);
                }
            });
        } catch (RejectedExecutionException e) {
            engine.inboundDone(target);
            LOG.debug("Dropped a {} of thread {}: the server is stopping", envelope.type(), target.threadId());
            return;
        }
        pauseIfBacklogged(target);
    }

    /**
     * A numbered message when the server batches commits: it waits in this connection's inbox, and one lane task
     * takes what has gathered there when it runs (up to the batch size). A message joins the waiting task only
     * when nothing else was queued on the lane after that task before the message was read; otherwise it goes to
     * a task of its own behind what was queued, so nothing moves ahead of a task queued before it was read.
     */
    private void deliverBatched(LiveThread target, DeliveryLog.Numbered numbered, String instance) {
        target.inboundBacklog.incrementAndGet();
        numberedInbox.add(new Inboxed(target, instance, numbered, target.lane.submitted()));
        if (numberedTaskQueued.compareAndSet(false, true)) {
            queueBatch(target);
        }
        pauseIfBacklogged(target);
    }

    /**
     * A numbered message in the inbox, with the thread and instance the connection was bound to when it was read,
     * and the number of the last task submitted to that thread's lane then.
     */
    private record Inboxed(LiveThread thread, String instance, DeliveryLog.Numbered message, long laneAtRead) {
    }

    private void queueBatch(LiveThread target) {
        try {
            target.lane.executeNumbered(number -> handleBatch(target, number));
        } catch (RejectedExecutionException e) {
            numberedTaskQueued.set(false);
            int dropped = 0;
            for (Inboxed next; (next = numberedInbox.poll()) != null; dropped++) {
                engine.inboundDone(next.thread());
            }
            LOG.debug("Dropped {} numbered messages of thread {}: the server is stopping", dropped,
                    target.threadId());
        }
    }

    /**
     * On the thread's lane: hands what gathered in the inbox for this thread and client instance (one, unless the
     * connection was bound again meanwhile), read before anything else was queued after this task, to the delivery
     * log as one batch. Only a task of the entry's own lane takes an entry, so tasks of two lanes (after a rebind)
     * never take the same one.
     */
    private void handleBatch(LiveThread target, long taskNumber) {
        numberedTaskQueued.set(false); // first: a message added from here on queues a task of its own
        int max = engine.settings().deliveryBatch();
        List<DeliveryLog.Numbered> batch = new ArrayList<>(Math.min(max, 16));
        String instance = null;
        for (Inboxed next; batch.size() < max && (next = numberedInbox.peek()) != null && next.thread() == target
                && next.laneAtRead() <= taskNumber && (instance == null || instance.equals(next.instance())); ) {
            numberedInbox.poll();
            batch.add(next.message());
            instance = next.instance();
        }
        if (!numberedInbox.isEmpty() && numberedTaskQueued.compareAndSet(false, true)) {
            Inboxed head = numberedInbox.peek();
            queueBatch(head != null ? head.thread() : target); // more than one batch gathered: the rest behind
        }
        if (batch.isEmpty()) {
            return;
        }
        try {
            engine.deliveryLog().receive(target, batch, instance, this);
        } finally {
            for (int i = 0; i < batch.size(); i++) {
                engine.inboundDone(target);
            }
        }
    }

    private void pauseIfBacklogged(LiveThread target) {
        int max = engine.settings().maxHandlerBacklog();
        if (!pausedForBacklog && target.inboundBacklog.get() >= max) {
            pausedForBacklog = true;
            target.paused.add(this);
            transport.setReading(false);
            engine.metrics().backlogPaused();
            if (target.inboundBacklog.get() <= max / 2) { // the lane drained before it could see this connection
                target.paused.remove(this);
                pausedForBacklog = false;
                transport.setReading(true);
            }
        }
    }

    /** The thread's backlog shrank: read again. Called from the thread's lane. */
    void resumeReading() {
        post(() -> {
            if (pausedForBacklog) {
                pausedForBacklog = false;
                transport.setReading(true);
            }
        });
    }

    @Override
    public void openThread(HandshakeInit init) {
        if (admitHandshake()) {
            resolve(init.clientId(), init.metadata(), null, DeliveryProtocol.Hello.from(init.extraFields()));
        }
    }

    @Override
    public void resumeThread(HandshakeResume resume) {
        if (admitHandshake()) {
            resolve(resume.clientId(), resume.metadata(), resume.threadId(),
                    DeliveryProtocol.Hello.from(resume.extraFields()));
        }
    }

    /**
     * Charges a handshake to the connection's address (never to the client id it names: that is not proven yet);
     * refuses it when the address has used its allowance.
     */
    private boolean admitHandshake() {
        PeerGuard guard = engine.guard();
        if (clientAddress == null) {
            clientAddress = guard.clientAddress(transport);
        }
        if (guard.admitHandshake(clientAddress)) {
            return true;
        }
        refuse("refused_rate_limit", new LtpProtocolException(ErrorCode.RATE_LIMIT_EXCEEDED,
                "Too many handshakes from this address", guard.handshakeDetails()), CloseCodes.POLICY_VIOLATION,
                "Too many handshakes");
        return false;
    }

    private void refuse(String metric, LtpProtocolException error, int closeCode, String closeReason) {
        engine.metrics().handshake(metric);
        machine.onHandshakeResolved(new HandshakeOutcome.Refused(error, closeCode, closeReason), this);
    }

    // ---- Handshake resolution -----------------------------------------------------------------------------------

    private void resolve(String clientId, JsonObject metadata, String resumeThreadId, DeliveryProtocol.Hello hello) {
        String problem = engine.guard().clientIdProblem(clientId);
        if (problem != null) {
            refuse("refused_client_id", new LtpProtocolException(ErrorCode.INVALID_CLIENT_ID, problem,
                    LtpProtocolException.newDetails().put("field", "client_id").build()), CloseCodes.POLICY_VIOLATION,
                    "Invalid client_id");
            return;
        }
        // Gathered for the authenticator only: without one, a handshake reads no token, header or address.
        AuthRequest request = engine.settings().authenticator() == null ? null
                : authRequest(clientId, metadata, resumeThreadId != null);
        DeliveryProtocol.Hello offered = engine.deliveryLog() == null ? null : hello;
        if (!engine.handshakeMayBlock()) {
            complete(negotiateDelivery(resolveBlocking(clientId, request, resumeThreadId), offered));
            return;
        }
        PeerGuard guard = engine.guard();
        if (!guard.enterBlockingHandshake()) {
            refuse("refused_busy", new LtpProtocolException(ErrorCode.RATE_LIMIT_EXCEEDED,
                    "Too many handshakes are waiting; try again later", LtpProtocolException.newDetails()
                            .put("limit", "pending_handshakes").put("max", guard.maxPendingHandshakes()).build()),
                    CloseCodes.POLICY_VIOLATION, CloseCodes.REASON_SERVER_AT_CAPACITY);
            return;
        }
        try {
            engine.blockingExecutor().execute(() -> {
                Resolution resolution;
                try {
                    if (gone) {
                        return; // the client left while its handshake waited: no store work for nobody
                    }
                    resolution = negotiateDelivery(resolveBlocking(clientId, request, resumeThreadId), offered);
                } finally {
                    guard.exitBlockingHandshake();
                }
                post(() -> complete(resolution));
            });
        } catch (RejectedExecutionException e) {
            guard.exitBlockingHandshake();
            machine.onHandshakeResolved(new HandshakeOutcome.Unavailable("Server stopping"), this);
        }
    }

    /**
     * For a client that offered {@code delivery-v1}: enables it on the thread and tells the client where both
     * directions resume (and what it missed, if the log was trimmed past its position). May block.
     */
    private Resolution negotiateDelivery(Resolution resolution, DeliveryProtocol.Hello hello) {
        if (hello == null || !(resolution.outcome() instanceof HandshakeOutcome.Accepted accepted)) {
            return resolution;
        }
        try {
            String threadId = accepted.threadId();
            DeliveryStore.DeliveryPosition position = engine.deliveryLog().open(threadId, hello.instance());
            if (position == null) {
                return resolution; // deleted meanwhile: the next resume is told
            }
            long lastProcessed = position.inbound().seq();
            DeliveryStore.LogBounds bounds = position.outbound();
            long wanted = hello.lastReceived() + 1;
            DeliveryProtocol.Gap missed = wanted < bounds.firstKept() && hello.lastReceived() < bounds.last()
                    ? new DeliveryProtocol.Gap(wanted, Math.min(bounds.firstKept() - 1, bounds.last())) : null;
            if (missed != null) {
                engine.metrics().deliveryGap();
                String suppressed = engine.guard().gapReports.admit();
                if (suppressed != null) {
                    LOG.info("Client instance {} missed messages {}..{} of thread {}: trimmed from the log{}",
                            LogSafe.id(hello.instance()), missed.from(), missed.to(), threadId, suppressed);
                }
            }
            DeliveryProtocol.Welcome welcome = new DeliveryProtocol.Welcome(lastProcessed, bounds.firstKept(),
                    bounds.last(), missed);
            List<String> capabilities = new ArrayList<>(engine.sessionConfig().capabilities());
            capabilities.add(DeliveryProtocol.CAPABILITY);
            HandshakeOutcome.Accepted withDelivery = new HandshakeOutcome.Accepted(threadId, accepted.sessionId(),
                    accepted.resumed(), capabilities, Map.of(DeliveryProtocol.HANDSHAKE_FIELD, welcome.toJson()));
            return new Resolution(resolution.metric(), withDelivery, resolution.record(), resolution.principal(),
                    hello, bounds.last());
        } catch (RuntimeException e) {
            engine.storeHealth().failed(e);
            LOG.warn("Could not negotiate delivery for thread {}; serving plain v0.3", accepted.threadId(),
                    Redaction.redact(e));
            return resolution;
        }
    }

    /**
     * Authentication and thread store; may block, so it never touches lane-confined state.
     *
     * @param request what the authenticator reads, {@code null} without one
     */
    private Resolution resolveBlocking(String clientId, AuthRequest request, String resumeThreadId) {
        String principal = null;
        if (request != null) {
            AuthResult result;
            try {
                result = engine.settings().authenticator().authenticate(request);
            } catch (RuntimeException e) {
                String suppressed = engine.guard().resolveFailures.admit();
                if (suppressed != null) {
                    LOG.error("The authenticator failed on the handshake of client {}{}", LogSafe.id(clientId),
                            suppressed, e);
                }
                return new Resolution("unavailable", new HandshakeOutcome.Unavailable("Internal error"), null, null);
            }
            String denial = result instanceof AuthResult.Denied denied ? denied.reason()
                    : ((AuthResult.Allowed) result).allows(clientId) ? null
                    : "the token does not allow this client_id";
            if (denial != null) {
                String suppressed = engine.guard().authDenials.admit();
                if (suppressed != null) {
                    LOG.info("Handshake of client {} from {} refused: {}{}", LogSafe.id(clientId),
                            request.remoteAddress(), LogSafe.text(denial), suppressed);
                }
                return Resolution.refused("refused_unauthorized", HandshakeOutcome.Refused.of(
                        new LtpProtocolException(ErrorCode.INVALID_CLIENT_ID, "Authentication failed"),
                        CloseCodes.REASON_UNAUTHORIZED));
            }
            principal = ((AuthResult.Allowed) result).principal();
        }
        try {
            return resumeThreadId == null ? createThread(clientId, principal)
                    : findThread(clientId, principal, resumeThreadId);
        } catch (RuntimeException e) {
            engine.storeHealth().failed(e);
            String suppressed = engine.guard().resolveFailures.admit();
            if (suppressed != null) {
                LOG.error("The thread store failed on the handshake of client {}{}", LogSafe.id(clientId),
                        suppressed, Redaction.redact(e));
            }
            return new Resolution("unavailable", new HandshakeOutcome.Unavailable("Internal error"), null, null);
        }
    }

    private Resolution createThread(String clientId, String principal) {
        long maxThreads = engine.settings().maxThreads();
        if (maxThreads > 0 && engine.storedThreads() >= maxThreads) {
            return Resolution.refused("refused_capacity", new HandshakeOutcome.Refused(
                    new LtpProtocolException(ErrorCode.RATE_LIMIT_EXCEEDED, "The server holds its maximum of threads",
                            LtpProtocolException.newDetails().put("limit", "max_threads").put("max", maxThreads).build()),
                    CloseCodes.POLICY_VIOLATION, CloseCodes.REASON_SERVER_AT_CAPACITY));
        }
        ThreadRecord record = ThreadRecord.create(RandomIds.uuid(), clientId, principal,
                engine.clock().instant());
        engine.store().create(record);
        engine.threadCreated();
        return new Resolution("accepted_new", HandshakeOutcome.Accepted.of(record.threadId(),
                RandomIds.uuid(), false), record, principal);
    }

    private Resolution findThread(String clientId, String principal, String threadId) {
        if (!PeerGuard.lookupable(threadId)) {
            return Resolution.rejected("rejected_not_found", HandshakeReject.THREAD_NOT_FOUND);
        }
        LiveThread live = engine.registry().get(threadId);
        ThreadRecord record;
        if (live != null && live.base != null) {
            record = live.snapshot();
        } else {
            Optional<ThreadRecord> stored = engine.store().find(threadId);
            record = stored.orElse(null);
            Instant cutoff = engine.clock().instant().minus(engine.settings().threadTtl());
            if (record != null && record.lastActiveAt().isBefore(cutoff)) {
                engine.store().delete(threadId);
                record = null;
            }
        }
        if (record == null) {
            return Resolution.rejected("rejected_not_found", HandshakeReject.THREAD_NOT_FOUND);
        }
        if (!record.clientId().equals(clientId)
                || record.principal() != null && !record.principal().equals(principal)) {
            return Resolution.rejected("rejected_forbidden", HandshakeReject.FORBIDDEN);
        }
        return new Resolution("accepted_resume", HandshakeOutcome.Accepted.of(threadId, RandomIds.uuid(),
                true), record, principal);
    }

    /** Back on the lane: bind the session and let the machine answer. */
    private void complete(Resolution resolution) {
        if (closed || machine.state() == ServerConnectionMachine.State.CLOSING
                || machine.state() == ServerConnectionMachine.State.CLOSED) {
            if (machine.handshakePending()) {
                machine.onHandshakeResolved(resolution.outcome(), this);
            }
            return;
        }
        HandshakeOutcome outcome = resolution.outcome();
        String outcomeName = resolution.metric();
        if (outcome instanceof HandshakeOutcome.Accepted accepted) {
            String newIdentity = PeerGuard.identity(resolution.principal(), accepted.threadId());
            if (!engine.guard().tryCountIdentity(newIdentity, identity)) {
                outcome = new HandshakeOutcome.Refused(new LtpProtocolException(ErrorCode.RATE_LIMIT_EXCEEDED,
                        "Too many connections for this client", LtpProtocolException.newDetails()
                                .put("limit", "max_connections_per_client")
                                .put("max", engine.settings().maxConnectionsPerClient()).build()),
                        CloseCodes.POLICY_VIOLATION, "Too many connections");
                outcomeName = "refused_client_limit";
            } else {
                bind(accepted, resolution, newIdentity);
            }
        }
        engine.metrics().handshake(outcomeName);
        machine.onHandshakeResolved(outcome, this);
        // The pending handshake timeout turns into the first idle check; only an unusually long handshake timeout
        // would make that check late.
        if (outcome instanceof HandshakeOutcome.Accepted
                && engine.settings().handshakeTimeout().toMillis() > idleLimitMillis()) {
            livenessTimer.cancel();
            scheduleLivenessCheck(idleLimitMillis());
        }
    }

    private void bind(HandshakeOutcome.Accepted accepted, Resolution resolution, String newIdentity) {
        if (thread != null) {
            unbind(CloseCodes.NORMAL, "rebound", false);
        }
        ThreadRecord record = resolution.record();
        DeliveryProtocol.Hello hello = resolution.delivery();
        // Before the connection becomes visible to the thread's lane: a push that sees it must not take it for a
        // plain v0.3 peer (it would get an unnumbered copy besides the numbered one its replay brings).
        deliveryPeer = hello;
        thread = engine.registry().attach(record, this, engine::newThreadLane);
        thread.recordActivity(engine.clock().millis(), null);
        if (engine.cluster() != null) {
            engine.cluster().threadChanged(accepted.threadId());
        }
        session = new Session(accepted.threadId(), accepted.sessionId(), record.clientId(), resolution.principal(),
                machine.pendingVersion());
        identity = newIdentity;
        clientBucket = engine.guard().identityBucket(newIdentity);
        heads = null;
        LiveThread target = thread;
        if (hello != null) {
            long logLast = resolution.logLast();
            target.lane.execute(() -> engine.deliveryLog().attach(target, this, hello.instance(),
                    hello.lastReceived(), logLast));
        }
        if (engine.dispatchesOpened()) {
            ServerSessionContext context = new ServerSessionContext(engine, this, session, null,
                    hello == null ? null : hello.instance());
            target.lane.execute(() -> engine.dispatchOpened(target, context));
        }
        int cap = engine.settings().maxConnectionsPerThread();
        if (cap > 0 && target.connections.size() > cap) {
            EngineConnection oldest = target.connections.get(0);
            if (oldest != this) {
                oldest.post(oldest::supersede);
            }
        }
        if (LOG.isDebugEnabled()) {
            try (MDC.MDCCloseable t = MDC.putCloseable("ltp.thread_id", session.threadId());
                 MDC.MDCCloseable s = MDC.putCloseable("ltp.session_id", session.sessionId())) {
                LOG.debug("Session opened for client {} ({})", LogSafe.id(session.clientId()),
                        accepted.resumed() ? "resumed" : "new thread");
            }
        }
    }

    private void unbind(int code, String reason) {
        unbind(code, reason, true);
    }

    /** @param uncount whether the identity's session count goes down (not when a rebind already moved it) */
    private void unbind(int code, String reason, boolean uncount) {
        LiveThread previous = thread;
        Session previousSession = session;
        if (previous == null) {
            return;
        }
        thread = null;
        session = null;
        heads = null;
        DeliveryProtocol.Hello previousPeer = deliveryPeer;
        if (previousPeer != null) {
            deliveryPeer = null;
            previous.lane.execute(() -> engine.deliveryLog().detach(previous, this));
        }
        if (uncount) {
            engine.guard().uncountIdentity(identity);
        }
        identity = null;
        boolean last = engine.registry().detach(previous, this);
        if (engine.dispatchesClosed()) {
            ServerSessionContext context = new ServerSessionContext(engine, this, previousSession, null,
                    previousPeer == null ? null : previousPeer.instance());
            previous.lane.execute(() -> engine.dispatchClosed(previous, context, code, reason));
        }
        if (last) {
            // Ordered after the thread's queued handler calls; runs here when there are none (no hand-off).
            previous.lane.executeInlineIfIdle(() -> engine.retire(previous));
        }
    }

    private void supersede() {
        machine.onSuperseded(this);
    }

    // ---- Liveness -----------------------------------------------------------------------------------------------

    private long idleLimitMillis() {
        return 2 * engine.settings().heartbeatInterval().toMillis();
    }

    private void scheduleLivenessCheck(long delayMillis) {
        livenessTimer = transport.scheduler().schedule(this::livenessCheck, delayMillis, TimeUnit.MILLISECONDS);
    }

    /** Before the first ack: the handshake timeout. After it: closes the session when it went silent too long. */
    private void livenessCheck() {
        if (closed) {
            return;
        }
        ServerConnectionMachine.State state = machine.state();
        if (state == ServerConnectionMachine.State.AWAITING_HANDSHAKE) {
            machine.onHandshakeTimeout(this);
            return;
        }
        if (state != ServerConnectionMachine.State.ACTIVE) {
            return;
        }
        long idle = engine.clock().millis() - lastInboundMillis;
        long limit = idleLimitMillis();
        if (idle >= limit) {
            machine.onIdleTimeout(this);
        } else {
            scheduleLivenessCheck(limit - idle);
        }
    }

    void goAway() {
        post(() -> machine.onGoingAway(this));
    }

    /** A commit for this connection's client failed: close 1011 so the client resends. Any thread. */
    void closeForStoreFailure() {
        post(() -> machine.onServerFailure(this));
    }

    // ---- Application sends --------------------------------------------------------------------------------------

    /**
     * Sends an application envelope on {@code expected}'s session, from any thread, and completes {@code result}
     * when it was written (or fails it when the session has ended or the envelope breaks a limit).
     */
    void sendDirect(Session expected, Envelope envelope, CompletableFuture<Void> result) {
        boolean posted = post(() -> {
            if (closed || session == null || (expected != null && session != expected)) {
                result.completeExceptionally(new IllegalStateException("The session has ended"));
                return;
            }
            try {
                sendNow(envelope);
                result.complete(null);
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        if (!posted) {
            result.completeExceptionally(new IllegalStateException("The session has ended"));
        }
    }

    /** Sends on whatever session is bound now; false when none is. Lane only. */
    boolean sendIfActive(Envelope envelope) {
        if (closed || session == null) {
            return false;
        }
        sendNow(envelope);
        return true;
    }

    /** Whether this connection negotiated {@code delivery-v1}. Any thread. */
    boolean negotiatedDelivery() {
        return deliveryPeer != null;
    }

    /** Sends logged messages with their numbers (replay or live), from the thread's lane. */
    void sendLogged(List<DeliveryStore.LoggedMessage> messages) {
        post(() -> {
            for (DeliveryStore.LoggedMessage logged : messages) {
                if (!sendLoggedNow(logged, null)) {
                    return;
                }
            }
        });
    }

    /**
     * Sends one freshly logged message with its number, from the thread's lane.
     *
     * @param template the message as logged ({@code DeliveryLog.templateOf}), which saves decoding its text
     */
    void sendLogged(DeliveryStore.LoggedMessage logged, Envelope template) {
        post(() -> sendLoggedNow(logged, template));
    }

    /** False when the connection can no longer send: what is left stays in the log for the next resume. */
    private boolean sendLoggedNow(DeliveryStore.LoggedMessage logged, Envelope template) {
        if (closed || session == null || deliveryPeer == null) {
            return false;
        }
        try {
            if (template != null && forVersion(template) == template && sendRendered(StampedText.logged(heads(),
                    template, logged.message(), logged.seq(), machine.plainStamp()), template.type())) {
                return true;
            }
            Envelope asLogged = template != null ? template : (Envelope) engine.codec().decode(logged.message());
            sendNow(DeliveryProtocol.withSeq(asLogged, logged.seq()));
        } catch (RuntimeException e) {
            LOG.error("Could not send logged message {} of thread {}", logged.seq(), session.threadId(), e);
            engine.metrics().internalError("send_logged");
        }
        return true;
    }

    /** Sends an unnumbered copy to a plain v0.3 connection, from the thread's lane. */
    void postPlain(Envelope envelope) {
        post(() -> {
            if (deliveryPeer == null) { // re-checked here: the connection may have been re-bound with delivery
                sendIfActive(envelope);
            }
        });
    }

    /**
     * Acknowledges the client's numbered messages up to {@code through}, from the thread's lane. Acks are
     * cumulative, so those made while one is waiting to be written go out as one: a burst of messages read together
     * costs one ack frame, not one each.
     */
    void postAck(long through) {
        if (ackThrough.getAndAccumulate(through, Math::max) != 0) {
            return; // a posted ack has not been written yet: it will carry this one
        }
        post(() -> {
            long upTo = ackThrough.getAndSet(0);
            if (!closed && session != null && deliveryPeer != null && upTo > 0
                    && !sendRendered(StampedText.ack(heads(), upTo, machine.plainStamp()), DeliveryProtocol.ACK_TYPE)) {
                sendNow(DeliveryProtocol.ack(upTo));
            }
        });
    }

    /**
     * Runs a task on this connection's executor; false when that executor has stopped (the server is shutting down
     * and the connection is gone with it), which is not an error of whoever posted.
     */
    boolean post(Runnable task) {
        try {
            transport.executor().execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            LOG.debug("Connection {} no longer runs tasks: the server is stopping", transport.remoteAddress());
            return false;
        }
    }

    /** The bound session's heads, made at the first frame rendered. */
    private StampedText.Heads heads() {
        if (heads == null) {
            heads = new StampedText.Heads(session);
        }
        return heads;
    }

    /** Sends a frame {@link StampedText} rendered; false when there is none or it is too large (the caller encodes). */
    private boolean sendRendered(byte[] frame, String type) {
        if (frame == null || frame.length > engine.codec().limits().maxMessageBytes()) {
            return false;
        }
        transport.sendUtf8(frame);
        engine.metrics().sent(type);
        return true;
    }

    private void sendNow(Envelope envelope) {
        Envelope stamped = machine.stamp(forVersion(envelope));
        transport.send(engine.codec().encodeChecked(stamped));
        engine.metrics().sent(stamped.type());
    }

    /** A {@code "0.2"} session never gets TOON from the server (§3.5): send its data as JSON. */
    private Envelope forVersion(Envelope envelope) {
        if (!LtpVersions.V0_2.equals(session.ltpVersion()) || envelope.encoding() != ContentEncoding.TOON) {
            return envelope;
        }
        JsonObject payload = envelope.payload().deepCopy();
        JsonElement data = payload.get("data");
        if (data instanceof JsonPrimitive primitive && primitive.isString()) {
            payload.add("data", Toon.decode(primitive.getAsString()));
        }
        return envelope.toBuilder().contentEncoding(null).payloadOwned(payload).build();
    }

    private AuthRequest authRequest(String clientId, JsonObject metadata, boolean resume) {
        JsonElement metadataToken = metadata == null ? null : metadata.get("auth_token");
        String token = null;
        AuthRequest.TokenSource source = AuthRequest.TokenSource.NONE;
        if (metadataToken instanceof JsonPrimitive primitive && primitive.isString()) {
            token = primitive.getAsString();
            source = AuthRequest.TokenSource.HANDSHAKE_METADATA;
        } else {
            String header = transport.requestHeader("Authorization");
            if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                token = header.substring(7).trim();
                source = AuthRequest.TokenSource.AUTHORIZATION_HEADER;
            }
        }
        return new AuthRequest(clientId, token, source, resume, transport.remoteAddress(), transport::requestHeader);
    }

    /**
     * A resolved handshake.
     *
     * @param metric the handshake outcome's metric tag
     * @param outcome what the machine answers
     * @param record the thread when accepted
     * @param principal the authenticated principal when accepted
     * @param delivery the client's delivery hello when {@code delivery-v1} was negotiated, else {@code null}
     */
    /** {@code logLast}: the thread's last logged sequence number when a delivery client's delivery was opened. */
    private record Resolution(String metric, HandshakeOutcome outcome, ThreadRecord record, String principal,
            DeliveryProtocol.Hello delivery, long logLast) {
        Resolution(String metric, HandshakeOutcome outcome, ThreadRecord record, String principal) {
            this(metric, outcome, record, principal, null, 0);
        }

        static Resolution refused(String metric, HandshakeOutcome.Refused refused) {
            return new Resolution(metric, refused, null, null);
        }

        static Resolution rejected(String metric, String reason) {
            return new Resolution(metric, new HandshakeOutcome.Rejected(reason, true), null, null);
        }
    }
}
