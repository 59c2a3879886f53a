package io.liminal.ltp.jakarta.internal;

import io.liminal.ltp.core.internal.json.Utf8;
import io.liminal.ltp.server.transport.TransportContext;
import io.liminal.ltp.server.transport.TransportEvent;
import jakarta.websocket.CloseReason;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's way out: frames wait in a queue and go one at a time (a Jakarta session allows one asynchronous
 * send in flight); past {@code maxOutboundBytesPerConnection} unsent bytes the peer is a slow consumer and is closed
 * with 1008; a close waits for the frames queued before it, and is forced after the close timeout. Thread-safe:
 * the engine sends from the connection's lane, the container completes sends on its own threads.
 */
final class JakartaOutbound {
    private static final Logger LOG = LoggerFactory.getLogger(JakartaOutbound.class);

    private final Session session;
    private final TransportContext context;
    private final ScheduledExecutorService timers;
    // Guarded by `queue`.
    private final ArrayDeque<String> queue = new ArrayDeque<>();
    private long queuedBytes;
    private boolean sending;
    private int closeCode;
    private String closeReason;
    private boolean closeRequested;
    private boolean closed;

    JakartaOutbound(Session session, TransportContext context, ScheduledExecutorService timers) {
        this.session = session;
        this.context = context;
        this.timers = timers;
    }

    /** Queues a text frame; frames go out in the order of the calls. */
    void send(String text) {
        long bytes = Utf8.length(text);
        boolean startSending = false;
        boolean slowConsumer = false;
        synchronized (queue) {
            if (closed || closeRequested) {
                return;
            }
            if (queuedBytes + bytes > context.limits().maxOutboundBytesPerConnection() && !queue.isEmpty()) {
                slowConsumer = true; // what it did not read is dropped: the close frame need not wait behind it
                queuedBytes -= queue.stream().mapToLong(Utf8::length).sum();
                queue.clear();
            } else {
                queue.add(text);
                queuedBytes += bytes;
                startSending = !sending;
                sending |= startSending;
            }
        }
        if (slowConsumer) {
            context.record(TransportEvent.SLOW_CONSUMER);
            close(1008, "Slow consumer");
        } else if (startSending) {
            sendNext();
        }
    }

    private void sendNext() {
        String next;
        synchronized (queue) {
            next = queue.poll();
            if (next == null) {
                sending = false;
            }
        }
        if (next == null) {
            closeIfIdle();
            return;
        }
        long bytes = Utf8.length(next);
        try {
            session.getAsyncRemote().sendText(next, result -> sent(result, bytes));
        } catch (RuntimeException e) {
            sent(new SendResult(e), bytes);
        }
    }

    private void sent(SendResult result, long bytes) {
        synchronized (queue) {
            queuedBytes -= bytes;
        }
        if (!result.isOK()) {
            LOG.debug("Send failed: {}", String.valueOf(result.getException()));
            synchronized (queue) {
                queue.clear();
                queuedBytes = 0;
                sending = false;
            }
            abort();
            return;
        }
        sendNext();
    }

    /** Sends the close frame after the frames queued so far; idempotent. */
    void close(int code, String reason) {
        synchronized (queue) {
            if (closed || closeRequested) {
                return;
            }
            closeRequested = true;
            closeCode = code;
            closeReason = reason;
        }
        closeIfIdle();
        timers.schedule(() -> {
            if (session.isOpen()) {
                context.record(TransportEvent.FORCED_CLOSE);
                abort();
            }
        }, context.limits().closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Sends the close frame once every queued frame went out. */
    private void closeIfIdle() {
        int code;
        String reason;
        synchronized (queue) {
            if (!closeRequested || closed || sending) {
                return;
            }
            closed = true;
            code = closeCode;
            reason = closeReason;
        }
        try {
            session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason == null ? "" : reason));
        } catch (IOException | RuntimeException e) {
            LOG.debug("Close failed: {}", e.toString());
            abort();
        }
    }

    /** Drops the connection without waiting for anything. */
    private void abort() {
        synchronized (queue) {
            closed = true;
        }
        try {
            // Jakarta WebSocket has no way to drop a socket. A close frame cannot pass a peer that does not read,
            // so the container's idle timeout, set as short as it goes, ends the connection either way (Jetty
            // waits for the close frame to be written otherwise, and the connection would stay open).
            session.setMaxIdleTimeout(1);
            session.close(new CloseReason(CloseReason.CloseCodes.GOING_AWAY, "Connection dropped"));
        } catch (IOException | RuntimeException e) {
            LOG.debug("Abort failed: {}", e.toString());
        }
    }

    /** Whether a close was asked for or done: nothing more goes out, and what comes in is dropped. */
    boolean closing() {
        synchronized (queue) {
            return closed || closeRequested;
        }
    }

    /** Whether the connection is closed (by the engine, a failure, or the container). */
    boolean closed() {
        synchronized (queue) {
            return closed;
        }
    }

    /** The container closed the session: what is still queued is dropped. */
    void closedByContainer() {
        synchronized (queue) {
            closed = true;
            queue.clear();
            queuedBytes = 0;
        }
    }
}
