package io.liminal.ltp.server;

import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.core.message.StateUpdatePayload;

/**
 * The application's side of the server. Every method has a no-op default.
 *
 * <p>Calls run off the I/O threads, on the application executor, and are serialized per thread: two messages of
 * the same thread are never handled at the same time and are handled in arrival order, even when they came over
 * different connections. Messages of different threads are handled concurrently. A handler that throws is logged
 * and counted; the connection is not affected.
 *
 * <p>What a call sends to its own thread is published when it returns, in call order, and with the delivery
 * extension committed together with the handled message (see {@link SessionContext}). A handler that must stream
 * progress while it works hands the work to another thread and sends from there.
 *
 * <p>Long-running work in a handler delays the next message of the same thread only; when a thread's backlog of
 * client messages grows past its limit, the server stops reading from that thread's connections until the backlog
 * halves.
 */
public interface LtpHandler {

    /** A handshake was acked: a new or resumed session of a thread. */
    default void onSessionOpened(SessionContext session) {
    }

    /** A valid {@code state_update} arrived. {@link SessionContext#meta()} is the message's {@code meta}. */
    default void onStateUpdate(SessionContext session, StateUpdatePayload update) {
    }

    /** A valid {@code event} arrived. */
    default void onEvent(SessionContext session, EventPayload event) {
    }

    /**
     * A custom {@code namespace:type} message arrived whose type matches one of the patterns given to
     * {@link LtpServer.Builder#customTypes(String...)}; other custom types are answered with
     * {@code UNKNOWN_MESSAGE_TYPE} and never reach the handler.
     */
    default void onCustomMessage(SessionContext session, Envelope message) {
    }

    /** A session ended: its connection closed, with the WebSocket close code and reason. */
    default void onSessionClosed(SessionContext session, int code, String reason) {
    }
}
