package io.liminal.ltp.client;

import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.ErrorPayload;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.core.message.StateUpdatePayload;
import io.liminal.ltp.core.session.ClientSessionMachine;

/**
 * What happens to a client. Every method has a no-op default.
 *
 * <p>Calls are serialized (never two at once for one client), made in the order things happened, on the client's
 * executor (never on a socket thread), and never while the client holds a lock, so a listener may call the client
 * back. A listener that throws is logged; the client carries on.
 */
public interface LtpClientListener {

    /** A handshake was acked. {@code resumed} is false when a new thread was opened. */
    default void onConnected(String threadId, String sessionId, boolean resumed) {
    }

    /** A connected session ended; the client reconnects unless it was closed or gave up. */
    default void onDisconnected(DisconnectInfo info) {
    }

    /**
     * A connection opened over another transport than the previous one (the first connection counts, with
     * {@code from} {@code null}): the client fell back to sse-v1 or moved back to WebSocket. Nothing else changes
     * for the application.
     */
    default void onTransportChanged(Transport from, Transport to) {
    }

    /** The client's state changed. */
    default void onStateChanged(ClientSessionMachine.State from, ClientSessionMachine.State to) {
    }

    /** A valid {@code state_update} arrived. */
    default void onStateUpdate(StateUpdatePayload update, Envelope envelope) {
    }

    /** A valid {@code event} arrived. */
    default void onEvent(EventPayload event, Envelope envelope) {
    }

    /** Any envelope arrived (including pongs, errors and custom or unknown types), before the typed callbacks. */
    default void onMessage(Envelope envelope) {
    }

    /** The server sent an {@code error}; the connection stays open. */
    default void onError(ErrorPayload error) {
    }

    /** The client gave up; {@link LtpClient#connect()} may start over. */
    default void onPermanentFailure(ConnectionFailure failure) {
    }

    /**
     * Under the delivery extension: the server no longer had messages {@code fromSeq..toSeq} of the thread when the
     * client resumed (its log was trimmed), so the application never saw them.
     */
    default void onDeliveryGap(long fromSeq, long toSeq) {
    }
}
