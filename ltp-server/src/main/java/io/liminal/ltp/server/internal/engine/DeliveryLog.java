package io.liminal.ltp.server.internal.engine;

import io.liminal.ltp.core.delivery.DeliveryProtocol;
import io.liminal.ltp.core.internal.text.LogSafe;
import io.liminal.ltp.core.internal.text.Redaction;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.security.RandomIds;
import io.liminal.ltp.server.DeliveryInfo;
import io.liminal.ltp.server.store.DeliveryRetention;
import io.liminal.ltp.server.store.DeliveryStore;
import io.liminal.ltp.server.store.DeliveryStore.InboundCursor;
import io.liminal.ltp.server.store.DeliveryStore.LoggedMessage;
import io.liminal.ltp.server.store.DeliveryStore.Processed;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of the delivery extension. Every method but {@link #open} runs on the thread's lane, so that
 * logging, replay, attaching a connection, and handling numbered messages happen in one order per thread: a
 * message is logged before any connection that attaches later reads the log, and a connection is attached (and
 * gets live messages) only after its replay was queued. Store calls may block; the lane runs on the application
 * executor, never on an I/O thread. A handled message's commit may hold the lane without its thread (group commit,
 * see {@link OutboxPublisher#publishThen}); nothing else of the thread runs until it is done.
 */
final class DeliveryLog {
    private static final Logger LOG = LoggerFactory.getLogger(DeliveryLog.class);
    private static final int REPLAY_PAGE = 500;

    private final LtpEngine engine;
    private final DeliveryStore store;
    private final DeliveryRetention retention;
    private final ServerProcess process;

    DeliveryLog(LtpEngine engine, DeliveryStore store, DeliveryRetention retention, ServerProcess process) {
        this.engine = engine;
        this.store = store;
        this.retention = retention;
        this.process = process;
    }

    DeliveryStore store() {
        return store;
    }

    DeliveryRetention retention() {
        return retention;
    }

    /** At a handshake, off the lane: opens the instance's delivery on the thread. May block. */
    DeliveryStore.DeliveryPosition open(String threadId, String instance) {
        return store.openDelivery(threadId, instance, process.id(), engine.clock().instant());
    }

    /** Whether the thread logs its messages (read from the store once per live thread). */
    boolean enabled(LiveThread thread) {
        if (thread.deliveryEnabled == null) {
            thread.deliveryEnabled = store.deliveryEnabled(thread.threadId());
        }
        return thread.deliveryEnabled;
    }

    /** The text a message is logged and replayed as: the envelope without anything per connection. */
    String template(Envelope envelope) {
        return engine.codec().encodeChecked(templateOf(envelope));
    }

    /** The envelope as logged: {@link #template} before encoding, what decoding the log's text gives back. */
    static Envelope templateOf(Envelope envelope) {
        return new Envelope(envelope.type(), "", "", 0, envelope.contentEncoding(), envelope.payload(),
                envelope.meta(), null, null, DeliveryProtocol.extrasWithoutSeq(envelope));
    }

    /**
     * Replays what {@code connection}'s client has not processed, then makes the connection a live target: from
     * here on, new messages of the thread reach it directly.
     *
     * @param logLast the last sequence number of the thread's log when the client's delivery was opened
     */
    void attach(LiveThread thread, EngineConnection connection, String instance, long lastReceived, long logLast) {
        thread.deliveryEnabled = true;
        LiveThread.DeliveryState state = thread.delivery();
        LiveThread.Position position = state.positions.get(instance);
        if (position != null && position.reread) {
            // A failed commit may have been stored: what it completed must not be handed to the handler again.
            try {
                long stored = store.inboundCursor(thread.threadId(), instance).seq();
                if (stored > position.seq) {
                    position.seq = stored; // it landed (a batch lands whole): nothing after it was handed over
                }
                position.reread = false;
            } catch (RuntimeException e) {
                engine.metrics().storeFailure("read cursor");
                engine.storeHealth().failed(e);
                LOG.warn("Could not read the position of client instance {} on thread {} after a failed commit; "
                        + "closing its connection", LogSafe.id(instance), thread.threadId(), Redaction.redact(e));
                connection.closeForStoreFailure();
                return;
            }
        }
        if (position != null && position.failed) {
            position.failed = false; // the client is back: what it resends is handled again, marked
        }
        long after = lastReceived;
        long read = -1;
        while (true) {
            List<LoggedMessage> page = store.outboundAfter(thread.threadId(), after, REPLAY_PAGE);
            List<LoggedMessage> forClient = new ArrayList<>(page.size());
            for (LoggedMessage message : page) {
                if (message.targetInstance() == null || message.targetInstance().equals(instance)) {
                    forClient.add(message);
                }
                after = message.seq();
                read = after;
            }
            if (!forClient.isEmpty()) {
                connection.sendLogged(forClient);
            }
            if (page.size() < REPLAY_PAGE) {
                break;
            }
        }
        // What the log held when read; too low only costs duplicates the client drops, too high would lose.
        long covered = read >= 0 ? read : Math.min(lastReceived, logLast);
        if (covered > state.handedThrough && state.handedThrough >= 0 && !state.targets.isEmpty()) {
            catchUp(thread, covered); // the connections already here must not miss what the new one just read
        }
        state.handedThrough = Math.max(state.handedThrough, covered);
        state.targets.put(connection, instance);
    }

    /**
     * Hands freshly logged messages (committed here, or announced by another node) to this node's connections of
     * the thread, in sequence order: numbers below them that this node was not told about yet (another node's
     * notice still on its way) are read from the store first, and numbers already handed are skipped. So however
     * the cluster bus delays or drops notices, no connection sees a number twice or out of order. Lane only.
     *
     * @param envelopes the envelopes the messages were logged from, for plain v0.3 copies; {@code null} when only
     *     their text is known
     * @return per message, how many connections it was handed to
     */
    int[] handOut(LiveThread thread, List<LoggedMessage> fresh, List<Envelope> envelopes) {
        LiveThread.DeliveryState state = thread.delivery();
        int[] handed = new int[fresh.size()];
        if (fresh.isEmpty()) {
            return handed;
        }
        long first = fresh.get(0).seq();
        if (state.handedThrough >= 0 && first > state.handedThrough + 1 && !state.targets.isEmpty()) {
            catchUp(thread, first - 1);
        }
        for (int i = 0; i < fresh.size(); i++) {
            LoggedMessage message = fresh.get(i);
            if (message.seq() <= state.handedThrough) {
                continue;
            }
            handed[i] = handToTargets(thread, message, envelopes == null ? null : envelopes.get(i));
            state.handedThrough = message.seq();
        }
        return handed;
    }

    /** Reads the thread's log from the store after what was handed out, and hands it, up to the tail. Lane only. */
    void catchUpToTail(LiveThread thread) {
        LiveThread.DeliveryState state = thread.deliveryIfUsed();
        if (state != null && state.handedThrough >= 0 && !state.targets.isEmpty()) {
            catchUp(thread, Long.MAX_VALUE);
        }
    }

    private void catchUp(LiveThread thread, long through) {
        LiveThread.DeliveryState state = thread.delivery();
        while (state.handedThrough < through) {
            List<LoggedMessage> page = store.outboundAfter(thread.threadId(), state.handedThrough, REPLAY_PAGE);
            for (LoggedMessage message : page) {
                if (message.seq() > through) {
                    return;
                }
                handToTargets(thread, message, null);
                state.handedThrough = message.seq();
            }
            if (page.size() < REPLAY_PAGE) {
                return;
            }
        }
    }

    void detach(LiveThread thread, EngineConnection connection) {
        LiveThread.DeliveryState state = thread.deliveryIfUsed();
        if (state != null) {
            state.targets.remove(connection);
        }
    }

    /**
     * Hands a logged message to the live connections it is for; a thread-wide one also goes, without its number,
     * to the thread's plain v0.3 connections.
     *
     * @param envelope the envelope it was logged from, or {@code null} to decode it from the log's text
     * @return how many connections it was handed to
     */
    private int handToTargets(LiveThread thread, LoggedMessage logged, Envelope envelope) {
        int handed = 0;
        Envelope asLogged = envelope == null ? null : templateOf(envelope);
        for (Map.Entry<EngineConnection, String> target : thread.delivery().targets.entrySet()) {
            if (logged.targetInstance() == null || logged.targetInstance().equals(target.getValue())) {
                target.getKey().sendLogged(logged, asLogged);
                handed++;
            }
        }
        if (logged.targetInstance() == null) {
            Envelope plain = envelope;
            for (EngineConnection connection : thread.connections) {
                if (!connection.negotiatedDelivery()) {
                    if (plain == null) {
                        plain = (Envelope) engine.codec().decode(logged.message());
                    }
                    connection.postPlain(plain);
                    handed++;
                }
            }
        }
        return handed;
    }

    /** A numbered client message read and waiting for its thread's lane; {@code envelope} without its number. */
    record Numbered(Envelope envelope, long seq, ServerSessionContext context, long arrivedNanos) {
    }

    /**
     * Numbered messages from one client instance, in the order read (one, or up to the server's delivery batch).
     * A resent one is acknowledged and dropped. New ones go to the handler one after the other; then what the
     * handler sent for all of them and the instance's new position are committed together; then the sends go out
     * and the last is acknowledged. When that commit fails, nothing is acknowledged, the connection is closed so
     * that the client resends from its last acknowledged message, and the instance's later messages are dropped
     * until it is back.
     */
    void receive(LiveThread thread, List<Numbered> batch, String instance, EngineConnection from) {
        LiveThread.Position position = position(thread, instance);
        if (position.failed) {
            return; // not handed, not acknowledged: the client resends them after reconnecting
        }
        List<Outbox.Send> sends = List.of();
        long last = position.seq;
        int handed = 0;
        for (Numbered message : batch) {
            if (message.seq() <= last) {
                engine.metrics().duplicateDropped();
                if (message.seq() <= position.seq) {
                    from.postAck(position.seq);
                }
                continue; // a resend of one handled in this batch is acknowledged with the batch
            }
            if (!process.enterHandover()) {
                break; // stopping: the next server process gets it
            }
            Outbox outbox;
            try {
                boolean possibleRedelivery = message.seq() <= position.doubtThrough;
                outbox = engine.dispatch(thread, message.context().withDelivery(new DeliveryInfo(message.seq(),
                        instance, possibleRedelivery)), message.envelope(), message.arrivedNanos());
            } catch (RuntimeException e) {
                process.exitHandover();
                if (handed == 0) {
                    throw e;
                }
                engine.metrics().internalError("lane"); // what was handed before it is still committed
                LOG.error("Internal error handing message {} of client instance {} on thread {}", message.seq(),
                        LogSafe.id(instance), thread.threadId(), e);
                break;
            }
            sends = handed == 0 ? outbox.sends() : concat(sends, outbox.sends());
            last = message.seq();
            handed++;
        }
        if (handed == 0) {
            return;
        }
        long through = last;
        int handovers = handed;
        // Completed even when a handler threw: a message that always fails must not block the stream. On a
        // blocking store the lane waits for the group commit without a thread, and goes on here.
        // Inside an inherited window the position keeps the run in doubt as its writer: a live thread retired
        // before the window is passed reads the position again, and must still mark the rest of the window.
        String writer = through < position.doubtThrough && position.doubtWriter != null ? position.doubtWriter
                : process.id();
        engine.publisher().publishThen(thread, sends, new Processed(instance, through, writer), failure -> {
            try {
                if (failure != null) {
                    commitFailed(thread, position, through, instance, from, failure);
                    return;
                }
                position.seq = Math.max(position.seq, through);
                from.postAck(through);
            } finally {
                for (int i = 0; i < handovers; i++) {
                    process.exitHandover();
                }
            }
        });
    }

    private static List<Outbox.Send> concat(List<Outbox.Send> first, List<Outbox.Send> second) {
        if (second.isEmpty()) {
            return first;
        }
        List<Outbox.Send> all = new ArrayList<>(first.size() + second.size());
        all.addAll(first);
        all.addAll(second);
        return all;
    }

    /**
     * The commit of handled messages (up to {@code through}) failed: nothing is acknowledged, the connection is
     * closed so that the client resends from its last acknowledged message, and the instance's later messages are
     * dropped until it is back. The commit may have been stored all the same (a lost answer, or a group that
     * failed as a whole): the position is read from the store again when the client is back.
     */
    private void commitFailed(LiveThread thread, LiveThread.Position position, long through, String instance,
            EngineConnection from, RuntimeException failure) {
        position.failed = true;
        position.doubtThrough = Math.max(position.doubtThrough, through);
        position.reread = true;
        if (position.doubtWriter == null) {
            position.doubtWriter = process.id(); // replaced just below: no clean stop is ever recorded under it
        }
        process.commitFailed();
        engine.metrics().storeFailure("commit");
        engine.storeHealth().failed(failure);
        LOG.error("Could not commit message {} of client instance {} on thread {}; closing its connection so that "
                + "it is resent", through, LogSafe.id(instance), thread.threadId(), Redaction.redact(failure));
        from.closeForStoreFailure();
    }

    /** The instance's position, read from the store once per live thread. */
    private LiveThread.Position position(LiveThread thread, String instance) {
        Map<String, LiveThread.Position> positions = thread.delivery().positions;
        LiveThread.Position position = positions.get(instance);
        if (position == null) {
            InboundCursor stored = store.inboundCursor(thread.threadId(), instance);
            // The run that wrote it may have handed over, uncommitted, as many as one batch after it.
            boolean doubt = process.mayHaveHandedOver(stored.processId(), store);
            position = new LiveThread.Position(stored.seq(),
                    doubt ? stored.seq() + engine.settings().deliveryBatch() : stored.seq());
            if (doubt) {
                // An unknown writer (null) gets an id no run will ever record as a clean stop: still in doubt.
                position.doubtWriter = stored.processId() != null ? stored.processId() : RandomIds.uuid();
            }
            positions.put(instance, position);
        }
        return position;
    }
}
