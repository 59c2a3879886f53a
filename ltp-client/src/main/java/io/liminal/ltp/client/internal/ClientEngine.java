package io.liminal.ltp.client.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.retry.Retry;
import io.liminal.ltp.client.ConnectionFailure;
import io.liminal.ltp.client.DisconnectInfo;
import io.liminal.ltp.client.LtpClientException;
import io.liminal.ltp.client.LtpClientListener;
import io.liminal.ltp.client.MessageJournal;
import io.liminal.ltp.client.OverflowPolicy;
import io.liminal.ltp.client.StoredSession;
import io.liminal.ltp.client.Transport;
import io.liminal.ltp.core.CloseCodes;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.codec.LtpCodec;
import io.liminal.ltp.core.concurrent.Scheduler;
import io.liminal.ltp.core.concurrent.SerialExecutor;
import io.liminal.ltp.core.delivery.DeliveryProtocol;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.ErrorPayload;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.core.message.HandshakeAck;
import io.liminal.ltp.core.message.HandshakeInit;
import io.liminal.ltp.core.message.HandshakeResume;
import io.liminal.ltp.core.message.LtpMessage;
import io.liminal.ltp.core.message.MessageTypes;
import io.liminal.ltp.core.message.Meta;
import io.liminal.ltp.core.message.StateUpdatePayload;
import io.liminal.ltp.core.security.EnvelopeSigner;
import io.liminal.ltp.core.security.NonceGenerator;
import io.liminal.ltp.core.security.RandomIds;
import io.liminal.ltp.core.session.ClientSessionMachine;
import io.liminal.ltp.core.session.ClientSessionMachine.State;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's protocol lane: owns the {@link ClientSessionMachine}, the transport connection of the current
 * attempt, the timers, retry and circuit breaker, and the offline buffer. Every field is confined to the lane
 * ({@link #lane}); transport callbacks and application calls hop onto it. Listener calls go through a second lane
 * so a slow listener never delays the protocol (pongs, acks) and no listener runs under any lock.
 */
public final class ClientEngine implements ClientSessionMachine.Actions {
    private static final Logger LOG = LoggerFactory.getLogger(ClientEngine.class);
    /**
     * Server messages processed before an ack goes out at once; fewer wait at most {@link #ACK_DELAY_MILLIS}. Acks
     * are cumulative and informational (ltp-java's server trims its log by retention), so one per window is enough.
     */
    static final int ACK_EVERY = 32;
    static final long ACK_DELAY_MILLIS = 50;

    private final ClientSettings settings;
    private final SerialExecutor lane;
    private final SerialExecutor listenerLane;
    private final ClientSessionMachine machine;
    private final LtpCodec codec;
    private final NonceGenerator nonces;
    private final EnvelopeSigner signer;
    private final Retry retry;
    private final CircuitBreaker breaker;
    private final Scheduler scheduler;

    private ClientTransport.Connection connection;
    private long connectionAttempt = -1;
    private long attemptStartedNanos;
    private Throwable lastFailure;
    private boolean deniedByBreaker;
    private Retry.AsyncContext<Object> retryContext;
    private Scheduler.Cancellable handshakeTimer = Scheduler.Cancellable.NONE;
    private Scheduler.Cancellable upgradeTimer = Scheduler.Cancellable.NONE;
    private Scheduler.Cancellable pingTimer = Scheduler.Cancellable.NONE;
    private Scheduler.Cancellable pongTimer = Scheduler.Cancellable.NONE;
    private Scheduler.Cancellable reconnectTimer = Scheduler.Cancellable.NONE;
    private long heartbeatMillis;
    private long pongTimeoutMillis;
    private long lastPongMillis;
    private final ArrayDeque<Pending> buffer = new ArrayDeque<>();
    private long bufferedBytes;
    private long nextSequence = 1;

    // Delivery extension (lane-confined).
    /** This client instance, as the server numbers-checks it. */
    private final String instance;
    /** Whether the current connection negotiated delivery-v1. */
    private boolean deliveryActive;
    /** Written under delivery-v1 and not yet acknowledged: resent after a reconnect. Oldest first. */
    private final ArrayDeque<Pending> unacked = new ArrayDeque<>();
    /** The thread the server-message cursor belongs to. */
    private String cursorThread;
    /** Highest server message number the listeners processed. */
    private long processedThrough;
    /** Highest server message number handed to the listener lane (duplicates below it are dropped). */
    private long dispatchedThrough;
    private boolean cursorSaveScheduled;
    /** The highest server message number acknowledged on the current connection. */
    private long ackedThrough;
    /** Whether an ack is scheduled; it acknowledges whatever is processed when it runs. */
    private boolean ackScheduled;
    private CompletableFuture<Void> connectFuture;
    private volatile State publishedState = State.DISCONNECTED;
    private volatile String publishedThreadId;
    private volatile String publishedSessionId;
    /** What carries the current (or last) connection; {@code null} before the first opened. */
    private volatile Transport publishedTransport;

    public ClientEngine(ClientSettings settings, String storedThreadId) {
        this.settings = settings;
        this.lane = new SerialExecutor(settings.executor(), (thread, error) -> LOG.error("LTP client task failed", error));
        this.listenerLane = new SerialExecutor(settings.executor(),
                (thread, error) -> LOG.error("LTP client listener failed", error));
        this.machine = new ClientSessionMachine(settings.initTemplate(), storedThreadId);
        this.codec = LtpCodec.withLimits(settings.limits());
        String clientId = settings.initTemplate().clientId();
        this.signer = settings.signingSecret() == null ? null : EnvelopeSigner.hmacSha256(settings.signingSecret());
        this.nonces = signer == null ? NonceGenerator.legacy(clientId, settings.clock())
                : NonceGenerator.legacy(clientId, settings.clock(), NonceGenerator.EXTENSION_RANDOM_BYTES);
        this.retry = Retry.of("ltp-reconnect-" + clientId, settings.retryConfig());
        this.breaker = settings.circuitBreakerConfig() == null ? null
                : CircuitBreaker.of("ltp-connect-" + clientId, settings.circuitBreakerConfig());
        this.scheduler = settings.scheduler();
        this.publishedThreadId = storedThreadId;
        MessageJournal journal = settings.journal();
        this.instance = journal != null && journal.instanceId() != null ? journal.instanceId() : RandomIds.uuid();
        if (journal != null) {
            nextSequence = Math.max(nextSequence, journal.lastSequence() + 1);
            for (MessageJournal.Entry entry : journal.load()) {
                Envelope envelope = (Envelope) codec.decode(entry.message());
                buffer.add(new Pending(entry.sequence(), envelope, entry.message().length(), new CompletableFuture<>()));
                bufferedBytes += entry.message().length();
                nextSequence = Math.max(nextSequence, entry.sequence() + 1);
            }
        }
    }

    // ---- Application calls (any thread) ---------------------------------------------------------------------------

    public CompletableFuture<Void> connect() {
        CompletableFuture<Void> result = new CompletableFuture<>();
        lane.execute(() -> {
            if (machine.state() == State.CLOSED) {
                result.completeExceptionally(new LtpClientException.ClientClosedException("The client is closed"));
                return;
            }
            if (machine.state() == State.CONNECTED) {
                result.complete(null);
                return;
            }
            if (connectFuture == null || connectFuture.isDone()) {
                connectFuture = new CompletableFuture<>();
            }
            connectFuture.whenComplete((ok, error) -> {
                if (error != null) {
                    result.completeExceptionally(error);
                } else {
                    result.complete(null);
                }
            });
            machine.connect(this);
        });
        return result;
    }

    public CompletableFuture<Void> send(Envelope unbound) {
        CompletableFuture<Void> future = new CompletableFuture<>();
        String json;
        try {
            // Empty ids keep the text a valid envelope for the journal; the real ones are stamped when it is sent.
            json = codec.encodeChecked(unbound.withIds("", ""));
        } catch (LtpProtocolException e) {
            future.completeExceptionally(e);
            return future;
        }
        int bytes = json.length();
        lane.execute(() -> enqueue(unbound, json, bytes, future));
        return future;
    }

    public CompletableFuture<Void> close() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        lane.execute(() -> {
            if (cursorThread != null && processedThrough > 0) {
                saveCursor();
            }
            ackProcessed(); // before the close frame: a delayed ack would never be written
            machine.close(this);
            cancelTimers();
            LtpClientException closed = new LtpClientException.ClientClosedException(
                    "The client was closed before the message was written"
                            + (settings.journal() != null ? "; it stays in the journal for the next start" : ""));
            failBuffered(closed);
            if (connectFuture != null) {
                connectFuture.completeExceptionally(closed);
            }
            if (settings.journal() != null) {
                settings.journal().close();
            }
            listenerLane.execute(() -> done.complete(null));
        });
        return done;
    }

    public State state() {
        return publishedState;
    }

    public String threadId() {
        return publishedThreadId;
    }

    public String sessionId() {
        return publishedSessionId;
    }

    public Transport transport() {
        return publishedTransport;
    }

    /** Messages waiting in the offline buffer (read on the lane; approximate elsewhere). */
    public CompletableFuture<Integer> bufferedCount() {
        CompletableFuture<Integer> count = new CompletableFuture<>();
        lane.execute(() -> count.complete(buffer.size() + unacked.size()));
        return count;
    }

    // ---- Sending ---------------------------------------------------------------------------------------------------

    private void enqueue(Envelope unbound, String json, int bytes, CompletableFuture<Void> future) {
        if (machine.state() == State.CLOSED) {
            future.completeExceptionally(new LtpClientException.ClientClosedException("The client is closed"));
            return;
        }
        long sequence = nextSequence++;
        if (machine.state() == State.CONNECTED && buffer.isEmpty() && !deliveryActive) {
            try {
                write(unbound);
                future.complete(null);
            } catch (RuntimeException e) {
                future.completeExceptionally(e);
            }
            return;
        }
        if (!makeRoom(bytes, future)) {
            return;
        }
        buffer.addLast(new Pending(sequence, unbound, bytes, future));
        bufferedBytes += bytes;
        if (settings.journal() != null) {
            settings.journal().append(sequence, json);
        }
        if (machine.state() == State.CONNECTED) {
            flushBuffer();
        }
    }

    /** Applies the overflow policy; false when the new message is refused (its future failed). */
    private boolean makeRoom(int bytes, CompletableFuture<Void> future) {
        int maxMessages = settings.maxBufferedMessages();
        long maxBytes = settings.maxBufferedBytes();
        boolean full = buffer.size() + unacked.size() + 1 > maxMessages || bufferedBytes + bytes > maxBytes;
        if (!full) {
            return true;
        }
        String limits = "offline buffer holds at most " + maxMessages + " messages / " + maxBytes + " bytes";
        if (settings.overflowPolicy() != OverflowPolicy.DROP_OLDEST || bytes > maxBytes) {
            future.completeExceptionally(new LtpClientException.OfflineBufferFullException(
                    "Message refused: the " + limits + " and is full (policy " + settings.overflowPolicy() + ")"));
            return false;
        }
        long droppedThrough = -1;
        while (!buffer.isEmpty() && (buffer.size() + unacked.size() + 1 > maxMessages
                || bufferedBytes + bytes > maxBytes)) {
            Pending dropped = buffer.removeFirst();
            bufferedBytes -= dropped.bytes();
            droppedThrough = dropped.sequence();
            dropped.future().completeExceptionally(new LtpClientException.MessageDroppedException(
                    "Message dropped to make room for a newer one: the " + limits));
        }
        if (droppedThrough >= 0 && settings.journal() != null) {
            settings.journal().removeThrough(droppedThrough);
        }
        if (buffer.size() + unacked.size() + 1 > maxMessages || bufferedBytes + bytes > maxBytes) {
            // What is left is written but unacknowledged: it cannot be dropped.
            future.completeExceptionally(new LtpClientException.OfflineBufferFullException(
                    "Message refused: the " + limits + " and is full of unacknowledged messages"));
            return false;
        }
        return true;
    }

    /**
     * Writes the buffer in order. Plain v0.3: a message is done once written. Under delivery-v1: it is written with
     * its number and kept until the server acknowledges it.
     */
    private void flushBuffer() {
        long sentThrough = -1;
        while (!buffer.isEmpty() && machine.state() == State.CONNECTED) {
            Pending pending = buffer.removeFirst();
            if (deliveryActive) {
                try {
                    write(DeliveryProtocol.withSeq(pending.envelope(), pending.sequence()));
                    unacked.addLast(pending);
                } catch (RuntimeException e) {
                    bufferedBytes -= pending.bytes();
                    pending.future().completeExceptionally(e);
                }
                continue;
            }
            bufferedBytes -= pending.bytes();
            try {
                write(pending.envelope());
                pending.future().complete(null);
            } catch (RuntimeException e) {
                pending.future().completeExceptionally(e);
            }
            sentThrough = pending.sequence();
        }
        if (sentThrough >= 0 && settings.journal() != null) {
            settings.journal().removeThrough(sentThrough);
        }
    }

    /** The server processed our messages up to {@code through}: they are done. */
    private void acknowledged(long through) {
        long doneThrough = -1;
        while (!unacked.isEmpty() && unacked.peekFirst().sequence() <= through) {
            Pending done = unacked.removeFirst();
            bufferedBytes -= done.bytes();
            done.future().complete(null);
            doneThrough = done.sequence();
        }
        if (doneThrough >= 0 && settings.journal() != null) {
            settings.journal().removeThrough(doneThrough);
        }
    }

    /** A new connection: what was written but not acknowledged goes out again first, in order. */
    private void requeueUnacked() {
        while (!unacked.isEmpty()) {
            buffer.addFirst(unacked.removeLast());
        }
    }

    /** A numbered message of the server: duplicates (replay overlap) are dropped, the rest processed once. */
    private void receiveNumbered(Envelope envelope, long seq) {
        String thread = machine.threadId();
        if (seq <= dispatchedThrough) {
            sendAck(processedThrough);
            return;
        }
        dispatchedThrough = seq;
        Envelope plain = DeliveryProtocol.withoutSeq(envelope);
        List<LtpClientListener> listeners = settings.listeners();
        listenerLane.execute(() -> {
            for (LtpClientListener listener : listeners) {
                try {
                    dispatch(listener, plain);
                } catch (RuntimeException e) {
                    LOG.error("LTP client listener {} failed", listener, e);
                }
            }
            lane.execute(() -> processed(thread, seq));
        });
    }

    /** The listeners returned from message {@code seq}: acknowledge it, and remember it (a few times a second). */
    private void processed(String thread, long seq) {
        if (!thread.equals(cursorThread) || seq <= processedThrough) {
            return;
        }
        processedThrough = seq;
        if (processedThrough - ackedThrough >= ACK_EVERY) {
            ackProcessed();
        } else if (!ackScheduled) { // acks are cumulative: what is processed until the delay ends shares one
            ackScheduled = true;
            schedule(() -> {
                ackScheduled = false;
                ackProcessed();
            }, ACK_DELAY_MILLIS);
        }
        if (!cursorSaveScheduled) {
            cursorSaveScheduled = true;
            schedule(this::saveCursor, 200);
        }
    }

    private void saveCursor() {
        cursorSaveScheduled = false;
        if (cursorThread == null) {
            return;
        }
        try {
            settings.threadIdStore().saveDeliveryCursor(machine.clientId(), cursorThread, processedThrough);
        } catch (RuntimeException e) {
            LOG.warn("Could not keep the delivery cursor of client {}", machine.clientId(), e);
        }
    }

    /** Acknowledges what the listeners processed on the session's own thread, unless that is acknowledged. */
    private void ackProcessed() {
        if (cursorThread != null && cursorThread.equals(machine.threadId()) && processedThrough > ackedThrough) {
            sendAck(processedThrough);
        }
    }

    private void sendAck(long through) {
        if (deliveryActive && machine.state() == State.CONNECTED && through > 0) {
            ackedThrough = Math.max(ackedThrough, through);
            write(DeliveryProtocol.ack(through));
        }
    }

    /** Where this client's cursor of server messages stands for {@code threadId}. */
    private long cursorFor(String threadId) {
        if (threadId == null) {
            return 0;
        }
        if (!threadId.equals(cursorThread)) {
            cursorThread = threadId;
            long stored = 0;
            try {
                stored = settings.threadIdStore().deliveryCursor(machine.clientId(), threadId);
            } catch (RuntimeException e) {
                LOG.warn("Could not read the delivery cursor of client {}", machine.clientId(), e);
            }
            processedThrough = stored;
            dispatchedThrough = stored;
        }
        return processedThrough;
    }

    /** Stamps an envelope for the current session and writes it. Lane only, CONNECTED only. */
    private void write(Envelope unbound) {
        Envelope stamped = unbound.withIds(machine.threadId(), machine.sessionId())
                .withTimestamp(Math.floorDiv(settings.clock().millis(), 1000))
                .withNonce(nonces.next());
        if (signer != null) {
            stamped = signer.signed(stamped);
        }
        connection.send(codec.encodeChecked(stamped));
    }

    private void failBuffered(LtpClientException error) {
        requeueUnacked();
        while (!buffer.isEmpty()) {
            buffer.removeFirst().future().completeExceptionally(error);
        }
        bufferedBytes = 0;
    }

    // ---- Machine actions (lane) ----------------------------------------------------------------------------------

    @Override
    public void stateChanged(State from, State to) {
        publishedState = to;
        if (from.isHandshaking() && !to.isHandshaking()) {
            handshakeTimer.cancel();
        }
        if (to.isHandshaking() && !from.isHandshaking()) {
            handshakeTimer = schedule(() -> machine.handshakeTimeout(this), settings.handshakeTimeout().toMillis());
        }
        if (from == State.CONNECTED) {
            pingTimer.cancel();
            pongTimer.cancel();
        }
        if (from == State.BACKOFF) {
            reconnectTimer.cancel();
        }
        if (from == State.CONNECTING) {
            upgradeTimer.cancel();
        }
        notifyListeners(listener -> listener.onStateChanged(from, to));
    }

    @Override
    public void openTransport(long attempt) {
        if (breaker != null && !breaker.tryAcquirePermission()) {
            deniedByBreaker = true;
            lane.execute(() -> machine.transportFailed(attempt, this));
            return;
        }
        connectionAttempt = attempt;
        attemptStartedNanos = System.nanoTime();
        connection = settings.transport().open(settings.uri(), settings.headers(), new TransportEvents(attempt));
        // The transport's own timeout covers the TCP connect only: a server that accepts and then never answers
        // the upgrade (one shutting down, say) would hold this attempt, and every message after it, forever.
        upgradeTimer = schedule(() -> upgradeTimedOut(attempt), settings.connectTimeout().toMillis());
    }

    private void upgradeTimedOut(long attempt) {
        if (attempt != connectionAttempt || connection == null || machine.state() != State.CONNECTING) {
            return;
        }
        recordAttemptFailure(new IOException("No WebSocket upgrade within " + settings.connectTimeout()));
        connection.close(CloseCodes.NORMAL, "");
        connection = null;
        connectionAttempt = -1; // the transport's late failure report must not count twice
        machine.transportFailed(attempt, this);
    }

    @Override
    public void closeTransport(long attempt, int code, String reason) {
        if (attempt == connectionAttempt && connection != null) {
            if (machine.state() != State.CONNECTED) {
                recordAttemptFailure(new IOException("closed before the ack: " + reason));
            }
            connection.close(code, reason);
            connection = null;
            connectionAttempt = -1; // late events of this attempt must not count as another failure
        }
    }

    @Override
    public void send(LtpMessage handshake) {
        connection.send(codec.encode(settings.delivery() ? withDeliveryHello(handshake) : handshake));
    }

    /** Offers delivery-v1: this instance, and what of the thread's server messages it has processed. */
    private LtpMessage withDeliveryHello(LtpMessage handshake) {
        if (handshake instanceof HandshakeInit init) {
            ackedThrough = 0;
            DeliveryProtocol.Hello hello = new DeliveryProtocol.Hello(instance, 0);
            return new HandshakeInit(init.ltpVersion(), init.clientId(), init.deviceFingerprint(), init.intent(),
                    init.capabilities(), init.metadata(), withExtra(init.extraFields(), hello));
        }
        if (handshake instanceof HandshakeResume resume) {
            ackedThrough = cursorFor(resume.threadId()); // the hello tells the server this much
            DeliveryProtocol.Hello hello = new DeliveryProtocol.Hello(instance, ackedThrough);
            return new HandshakeResume(resume.ltpVersion(), resume.clientId(), resume.threadId(),
                    resume.resumeReason(), resume.metadata(), withExtra(resume.extraFields(), hello));
        }
        return handshake;
    }

    private static Map<String, JsonElement> withExtra(Map<String, JsonElement> extras, DeliveryProtocol.Hello hello) {
        Map<String, JsonElement> with = new LinkedHashMap<>(extras == null ? Map.of() : extras);
        with.put(DeliveryProtocol.HANDSHAKE_FIELD, hello.toJson());
        return with;
    }

    @Override
    public void persistSession(String threadId, String sessionId) {
        publishedThreadId = threadId;
        publishedSessionId = sessionId;
        try {
            settings.threadIdStore().save(machine.clientId(), new StoredSession(threadId, sessionId));
        } catch (RuntimeException e) {
            LOG.warn("Could not persist the thread id of client {}", machine.clientId(), e);
        }
    }

    @Override
    public void clearSession() {
        publishedThreadId = null;
        publishedSessionId = null;
        try {
            settings.threadIdStore().clear(machine.clientId());
        } catch (RuntimeException e) {
            LOG.warn("Could not clear the thread id of client {}", machine.clientId(), e);
        }
    }

    @Override
    public void connected(HandshakeAck ack) {
        retryContext = null;
        lastFailure = null;
        if (breaker != null) {
            breaker.onSuccess(System.nanoTime() - attemptStartedNanos, TimeUnit.NANOSECONDS);
        }
        long announced = ack.heartbeatIntervalMs();
        Long override = settings.heartbeatOverride() == null ? null : settings.heartbeatOverride().toMillis();
        heartbeatMillis = override != null && override < announced ? override : announced; // only shorter
        pongTimeoutMillis = settings.pongTimeout() != null ? settings.pongTimeout().toMillis() : 3 * heartbeatMillis;
        lastPongMillis = settings.clock().millis();
        pingTimer = schedule(this::ping, heartbeatMillis);
        pongTimer = schedule(this::checkPong, pongTimeoutMillis);
        String threadId = ack.threadId();
        String sessionId = ack.sessionId();
        boolean resumed = ack.resumed();
        DeliveryProtocol.Welcome welcome = settings.delivery() ? DeliveryProtocol.Welcome.from(ack.extraFields())
                : null;
        deliveryActive = welcome != null;
        if (!threadId.equals(cursorThread)) {
            // A new thread (or one this client never numbered): start from what is stored for it, or 0.
            cursorFor(threadId);
        }
        if (deliveryActive) {
            acknowledged(welcome.lastProcessed());
            ackProcessed(); // what the listeners finished after the hello was written
            if (welcome.missed() != null) {
                DeliveryProtocol.Gap gap = welcome.missed();
                LOG.warn("Messages {}..{} of thread {} were trimmed from the server's log before this client "
                        + "resumed", gap.from(), gap.to(), threadId);
                notifyListeners(listener -> listener.onDeliveryGap(gap.from(), gap.to()));
            }
        }
        requeueUnacked();
        notifyListeners(listener -> listener.onConnected(threadId, sessionId, resumed));
        if (connectFuture != null) {
            connectFuture.complete(null);
        }
        flushBuffer();
    }

    @Override
    public void disconnected(int code, String reason) {
        deliveryActive = false;
        if (cursorThread != null && processedThrough > 0) {
            saveCursor();
        }
        DisconnectInfo info = new DisconnectInfo(code, reason);
        notifyListeners(listener -> listener.onDisconnected(info));
    }

    @Override
    public void scheduleReconnect() {
        if (deniedByBreaker) {
            deniedByBreaker = false;
            long wait = Math.max(1, settings.circuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1));
            reconnectTimer = schedule(() -> machine.reconnectDue(this), wait);
            return;
        }
        if (retryContext == null) {
            retryContext = retry.asyncContext();
        }
        long delay = retryContext.onError(lastFailure != null ? lastFailure : new IOException("connection lost"));
        lastFailure = null;
        if (delay < 0) {
            machine.retriesExhausted(this);
        } else {
            reconnectTimer = schedule(() -> machine.reconnectDue(this), delay);
        }
    }

    @Override
    public void deliver(Envelope envelope) {
        if (MessageTypes.PONG.equals(envelope.type())) {
            lastPongMillis = settings.clock().millis();
        }
        if (signer != null) {
            try {
                signer.verify(envelope);
            } catch (LtpProtocolException e) {
                LOG.warn("Dropped a {} with a bad signature: {}", envelope.type(), e.getMessage());
                return;
            }
        }
        if (deliveryActive) {
            if (DeliveryProtocol.isAck(envelope)) {
                acknowledged(DeliveryProtocol.ackedThrough(envelope));
                return;
            }
            long seq = DeliveryProtocol.seqOf(envelope);
            if (seq > 0) {
                receiveNumbered(envelope, seq);
                return;
            }
        }
        notifyListeners(listener -> dispatch(listener, envelope));
    }

    private static void dispatch(LtpClientListener listener, Envelope envelope) {
        listener.onMessage(envelope);
        try {
            switch (envelope.type()) {
                case MessageTypes.STATE_UPDATE -> listener.onStateUpdate(StateUpdatePayload.from(envelope), envelope);
                case MessageTypes.EVENT -> listener.onEvent(EventPayload.from(envelope), envelope);
                default -> { }
            }
        } catch (LtpProtocolException e) {
            LOG.warn("Ignored an invalid {} from the server: {}", envelope.type(), e.getMessage());
        }
    }

    @Override
    public void serverError(ErrorPayload error) {
        notifyListeners(listener -> listener.onError(error));
    }

    @Override
    public void permanentFailure(ClientSessionMachine.Failure failure) {
        ConnectionFailure reported = new ConnectionFailure(failure.reason(), failure.message(), failure.error());
        LOG.warn("LTP client {} gave up: {}", machine.clientId(), failure.message());
        if (connectFuture != null) {
            connectFuture.completeExceptionally(new LtpClientException.PermanentFailureException(reported));
        }
        notifyListeners(listener -> listener.onPermanentFailure(reported));
    }

    // ---- Heartbeat -------------------------------------------------------------------------------------------------

    private void ping() {
        if (machine.state() != State.CONNECTED) {
            return;
        }
        // The next one is due an interval after this one, whatever this write does; and scheduled before the
        // write, it is in place by the time the server can see this ping.
        pingTimer = schedule(this::ping, heartbeatMillis);
        write(Envelope.builder(MessageTypes.PING).payloadOwned(new JsonObject())
                .meta(Meta.builder().clientId(machine.clientId()).build()).build());
    }

    private void checkPong() {
        if (machine.state() != State.CONNECTED) {
            return;
        }
        long silent = settings.clock().millis() - lastPongMillis;
        if (silent >= pongTimeoutMillis) {
            LOG.info("No pong for {} ms: reconnecting", silent);
            recordAttemptFailure(new IOException("heartbeat timeout"));
            machine.heartbeatTimeout(this);
        } else {
            pongTimer = schedule(this::checkPong, pongTimeoutMillis - silent);
        }
    }

    // ---- Helpers ---------------------------------------------------------------------------------------------------

    private Scheduler.Cancellable schedule(Runnable task, long delayMillis) {
        return scheduler.schedule(() -> lane.execute(task), delayMillis, TimeUnit.MILLISECONDS);
    }

    private void cancelTimers() {
        upgradeTimer.cancel();
        handshakeTimer.cancel();
        pingTimer.cancel();
        pongTimer.cancel();
        reconnectTimer.cancel();
    }

    private void recordAttemptFailure(Throwable cause) {
        lastFailure = cause;
        if (breaker != null && connectionAttempt >= 0) {
            breaker.onError(System.nanoTime() - attemptStartedNanos, TimeUnit.NANOSECONDS, cause);
        }
    }

    private void notifyListeners(Consumer<LtpClientListener> call) {
        List<LtpClientListener> listeners = settings.listeners();
        if (listeners.isEmpty()) {
            return;
        }
        listenerLane.execute(() -> {
            for (LtpClientListener listener : listeners) {
                try {
                    call.accept(listener);
                } catch (RuntimeException e) {
                    LOG.error("LTP client listener {} failed", listener, e);
                }
            }
        });
    }

    /** A connection opened over {@code transport}: the application hears of it when that changed. Lane only. */
    private void transportOpened(Transport transport) {
        Transport previous = publishedTransport;
        publishedTransport = transport;
        if (previous != transport) {
            notifyListeners(listener -> listener.onTransportChanged(previous, transport));
        }
    }

    /** Transport callbacks of one attempt: decoded on the socket thread, handled on the lane. */
    private final class TransportEvents implements ClientTransport.Listener {
        private final long attempt;

        TransportEvents(long attempt) {
            this.attempt = attempt;
        }

        /**
         * Hands an event to the lane. A socket can still deliver after {@code close()} stopped the executor; such
         * events have nobody to go to, and the socket thread must not see the rejection.
         */
        private void toLane(Runnable task) {
            try {
                lane.execute(task);
            } catch (RejectedExecutionException closed) {
                LOG.debug("Dropped a transport event that arrived after the client's executor stopped");
            }
        }

        @Override
        public void onOpen(String subprotocol) {
            toLane(() -> {
                if (attempt == connectionAttempt && connection != null) {
                    transportOpened(connection.transport());
                }
                machine.transportOpened(attempt, ClientEngine.this);
            });
        }

        @Override
        public void onText(String text) {
            LtpMessage message;
            try {
                message = codec.decode(text);
            } catch (LtpProtocolException e) {
                LOG.warn("Ignored a malformed frame from the server: {} {}", e.code(), e.getMessage());
                return;
            }
            toLane(() -> machine.received(attempt, message, ClientEngine.this));
        }

        @Override
        public void onBinary(ByteBuffer data) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            LtpMessage message;
            try {
                message = codec.decode(bytes);
            } catch (LtpProtocolException e) {
                LOG.warn("Ignored a malformed binary frame from the server: {}", e.getMessage());
                return;
            }
            toLane(() -> machine.received(attempt, message, ClientEngine.this));
        }

        @Override
        public void onClosed(int code, String reason, boolean byServer) {
            toLane(() -> {
                if (attempt == connectionAttempt && machine.state() != State.CONNECTED
                        && machine.state() != State.CLOSED) {
                    recordAttemptFailure(new IOException("closed before the ack: " + code + " " + reason));
                }
                machine.transportClosed(attempt, code, reason, ClientEngine.this);
            });
        }

        @Override
        public void onFailed(Throwable cause) {
            toLane(() -> {
                if (attempt == connectionAttempt) {
                    recordAttemptFailure(cause);
                }
                machine.transportFailed(attempt, ClientEngine.this);
            });
        }
    }
}
