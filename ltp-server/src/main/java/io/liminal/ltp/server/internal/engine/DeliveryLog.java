package io.liminal.ltp.server.internal.engine;

import io.liminal.ltp.core.delivery.DeliveryProtocol;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.server.DeliveryInfo;
import io.liminal.ltp.server.store.DeliveryRetention;
import io.liminal.ltp.server.store.DeliveryStore;
import io.liminal.ltp.server.store.DeliveryStore.LoggedMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The server side of the delivery extension. Every method runs on the thread's lane, so that logging, replay,
 * attaching a connection, and handling numbered messages happen in one order per thread: a message is appended
 * before any connection that attaches later reads the log, and a connection is attached (and gets live messages)
 * only after its replay was queued. Store calls may block; the lane runs on the application executor, never on an
 * I/O thread.
 */
final class DeliveryLog {
    private static final int REPLAY_PAGE = 500;

    private final LtpEngine engine;
    private final DeliveryStore store;
    private final DeliveryRetention retention;

    DeliveryLog(LtpEngine engine, DeliveryStore store, DeliveryRetention retention) {
        this.engine = engine;
        this.store = store;
        this.retention = retention;
    }

    DeliveryStore store() {
        return store;
    }

    /** Whether the thread logs its messages (read from the store once per live thread). */
    boolean enabled(LiveThread thread) {
        if (thread.deliveryEnabled == null) {
            thread.deliveryEnabled = store.deliveryEnabled(thread.threadId());
        }
        return thread.deliveryEnabled;
    }

    /**
     * Replays what {@code connection}'s client has not processed, then makes the connection a live target: from
     * here on, new messages of the thread reach it directly.
     */
    void attach(LiveThread thread, EngineConnection connection, String instance, long lastReceived) {
        thread.deliveryEnabled = true;
        long after = lastReceived;
        while (true) {
            List<LoggedMessage> page = store.outboundAfter(thread.threadId(), after, REPLAY_PAGE);
            List<LoggedMessage> forClient = new ArrayList<>(page.size());
            for (LoggedMessage message : page) {
                if (message.targetInstance() == null || message.targetInstance().equals(instance)) {
                    forClient.add(message);
                }
                after = message.seq();
            }
            if (!forClient.isEmpty()) {
                connection.sendLogged(forClient);
            }
            if (page.size() < REPLAY_PAGE) {
                break;
            }
        }
        thread.delivery().targets.put(connection, instance);
    }

    void detach(LiveThread thread, EngineConnection connection) {
        LiveThread.DeliveryState state = thread.deliveryIfUsed();
        if (state != null) {
            state.targets.remove(connection);
        }
    }

    /**
     * Logs an application message to the thread (or, for a reply, to one client instance of it) and sends it to
     * the live connections it is for; plain v0.3 connections of the thread get thread-wide messages without a
     * number.
     *
     * @return how many connections it was handed to now
     */
    int publish(LiveThread thread, Envelope envelope, String targetInstance) {
        Envelope template = DeliveryProtocol.withoutSeq(envelope).withIds("", "").withTimestamp(0).withNonce(null)
                .withSignature(null);
        String text = engine.codec().encodeChecked(template);
        long seq = store.appendOutbound(thread.threadId(), text, targetInstance, engine.clock().instant(), retention);
        if (seq == 0) {
            return 0; // the thread is gone from the store
        }
        int handed = 0;
        List<LoggedMessage> one = List.of(new LoggedMessage(seq, text, targetInstance, engine.clock().instant()));
        for (Map.Entry<EngineConnection, String> target : thread.delivery().targets.entrySet()) {
            if (targetInstance == null || targetInstance.equals(target.getValue())) {
                target.getKey().sendLogged(one);
                handed++;
            }
        }
        if (targetInstance == null) {
            for (EngineConnection connection : thread.connections) {
                if (!connection.negotiatedDelivery()) {
                    connection.postPlain(envelope);
                    handed++;
                }
            }
        }
        return handed;
    }

    /**
     * A numbered message from a client instance: duplicates are acknowledged and dropped; a new one goes to the
     * handler, then its number is committed to the store, then acknowledged.
     */
    void receive(LiveThread thread, ServerSessionContext context, Envelope envelope, long seq, String instance,
            EngineConnection from, long arrivedNanos) {
        LiveThread.DeliveryState state = thread.delivery();
        Long cursor = state.inboundCursors.get(instance);
        if (cursor == null) {
            cursor = store.inboundCursor(thread.threadId(), instance);
            state.inboundCursors.put(instance, cursor);
        }
        if (seq <= cursor) {
            engine.metrics().duplicateDropped();
            from.postAck(cursor);
            return;
        }
        boolean possibleRedelivery = !state.confirmedInstances.contains(instance) && seq == cursor + 1;
        engine.dispatch(thread, context.withDelivery(new DeliveryInfo(seq, instance, possibleRedelivery)), envelope,
                arrivedNanos);
        // Committed even when the handler threw: a message that always fails must not block the stream.
        store.commitInbound(thread.threadId(), instance, seq, engine.clock().instant());
        state.inboundCursors.put(instance, seq);
        state.confirmedInstances.add(instance);
        from.postAck(seq);
    }
}
