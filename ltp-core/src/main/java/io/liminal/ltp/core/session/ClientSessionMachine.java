package io.liminal.ltp.core.session;

import io.liminal.ltp.core.CloseCodes;
import io.liminal.ltp.core.ErrorCode;
import io.liminal.ltp.core.LtpVersions;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.ErrorPayload;
import io.liminal.ltp.core.message.HandshakeAck;
import io.liminal.ltp.core.message.HandshakeInit;
import io.liminal.ltp.core.message.HandshakeReject;
import io.liminal.ltp.core.message.HandshakeResume;
import io.liminal.ltp.core.message.LtpMessage;
import io.liminal.ltp.core.message.MessageTypes;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * A client's protocol life across connections (spec §3.7, §6, §7, §8), as a pure state machine.
 *
 * <pre>
 *  DISCONNECTED ──connect──▶ CONNECTING ──opened──▶ HANDSHAKING_RESUME (thread stored) ──ack──▶ CONNECTED
 *                               ▲   │                HANDSHAKING_INIT   (none stored)   ──ack──▶    │
 *                               │   │ failed            │ reject of resume: clear ids, init on     │ lost, heartbeat
 *                               │   ▼                   │ the same connection (unless             │ timeout
 *                reconnectDue   BACKOFF ◀── failed attempt / handshake timeout ◀────────────────────┘
 *                               │   └── retriesExhausted ──▶ FAILED ◀── permanent handshake failure,
 *                               │                                        1000 "session_superseded"
 *                  1001 going away: CONNECTED ──▶ CONNECTING at once (no backoff the first time)
 *  any state ──close──▶ CLOSED (final)
 * </pre>
 *
 * <p>Each transport attempt has an id; events of an attempt that is no longer current are ignored, so a late
 * close of an abandoned connection cannot disturb the next one. The owner computes reconnect delays (it is asked
 * through {@link Actions#scheduleReconnect()}) and answers with {@link #reconnectDue(Actions)} or
 * {@link #retriesExhausted(Actions)}.
 *
 * <p>Not thread-safe: owned by the client's serial lane.
 */
public final class ClientSessionMachine {

    /** Client states. */
    public enum State {
        /** Created, never connected. */
        DISCONNECTED,
        /** A transport is being opened. */
        CONNECTING,
        /** {@code handshake_init} sent, waiting for the ack. */
        HANDSHAKING_INIT,
        /** {@code handshake_resume} sent, waiting for the ack or a reject. */
        HANDSHAKING_RESUME,
        /** Acked: envelopes flow. */
        CONNECTED,
        /** Waiting before the next attempt. */
        BACKOFF,
        /** Closed by the application; final. */
        CLOSED,
        /** Gave up (see {@link FailureReason}); {@code connect} may start over. */
        FAILED;

        private static final Set<State> HANDSHAKING = EnumSet.of(HANDSHAKING_INIT, HANDSHAKING_RESUME);
        private static final Set<State> TRANSPORT_OPEN = EnumSet.of(HANDSHAKING_INIT, HANDSHAKING_RESUME, CONNECTED);

        /** Whether a handshake is in flight. */
        public boolean isHandshaking() {
            return HANDSHAKING.contains(this);
        }

        /** Whether a transport is open in this state. */
        public boolean hasOpenTransport() {
            return TRANSPORT_OPEN.contains(this);
        }

        /** Whether no reconnect will happen by itself. */
        public boolean isTerminal() {
            return this == CLOSED || this == FAILED;
        }
    }

    /** Why a client gave up. */
    public enum FailureReason {
        /** Every reconnect attempt failed. */
        RETRIES_EXHAUSTED,
        /** {@code UNSUPPORTED_VERSION}, {@code INVALID_CLIENT_ID} or {@code MALFORMED_HANDSHAKE} before the ack. */
        HANDSHAKE_REFUSED,
        /** A resume was rejected with {@code suggest_new: false}. */
        RESUME_REJECTED,
        /** A {@code handshake_reject} arrived although no resume was pending. */
        UNEXPECTED_REJECT,
        /** Another connection now owns the thread (close 1000 {@code session_superseded}). */
        SESSION_SUPERSEDED
    }

    /**
     * A permanent failure.
     *
     * @param reason why
     * @param message a human-readable explanation
     * @param error the server's error when one caused it, else {@code null}
     */
    public record Failure(FailureReason reason, String message, ErrorPayload error) {
    }

    /** What the machine asks its owner to do; called synchronously, on the owner's lane. */
    public interface Actions {
        /** The state changed (timers hang off this: handshake timeout, heartbeat, backoff). */
        void stateChanged(State from, State to);

        /** Opens a transport for attempt {@code attempt}; report with the attempt id. */
        void openTransport(long attempt);

        /** Closes the transport of attempt {@code attempt}. */
        void closeTransport(long attempt, int code, String reason);

        /** Sends a handshake message on the current transport. */
        void send(LtpMessage handshake);

        /** Persist {@code thread_id} and {@code session_id} for the client id (LTP-HS-013). */
        void persistSession(String threadId, String sessionId);

        /** Delete the stored ids (the thread is gone). */
        void clearSession();

        /** Acked: reset the retry counter, start the heartbeat, flush the buffer, tell the application. */
        void connected(HandshakeAck ack);

        /** A connected session ended. */
        void disconnected(int code, String reason);

        /** Entered {@link State#BACKOFF}: compute the delay, then call reconnectDue or retriesExhausted. */
        void scheduleReconnect();

        /** An envelope from the server on a connected session (including pongs and unknown types). */
        void deliver(Envelope envelope);

        /** An {@code error} from the server that does not end anything. */
        void serverError(ErrorPayload error);

        /** The client gave up. */
        void permanentFailure(Failure failure);
    }

    /** Close reason when the server did not answer a handshake in time. */
    public static final String REASON_HANDSHAKE_TIMEOUT = "handshake_timeout";
    /** Close reason of an application close. */
    public static final String REASON_CLIENT_CLOSED = "client_closed";

    private final HandshakeInit initTemplate;
    private State state = State.DISCONNECTED;
    private long attempt;
    private String threadId;
    private String sessionId;
    private boolean everConnected;
    private boolean immediateRetryUsed;

    /**
     * @param initTemplate the {@code handshake_init} to send; its client id, version and metadata are reused for
     *     {@code handshake_resume}
     * @param storedThreadId the thread id stored for this client id, or {@code null}
     */
    public ClientSessionMachine(HandshakeInit initTemplate, String storedThreadId) {
        this.initTemplate = Objects.requireNonNull(initTemplate, "initTemplate");
        this.threadId = storedThreadId;
    }

    // ---- Queries ------------------------------------------------------------------------------------------------

    /** The current state. */
    public State state() {
        return state;
    }

    /** The current attempt id. */
    public long attempt() {
        return attempt;
    }

    /** The thread id (stored or acked), or {@code null}. */
    public String threadId() {
        return threadId;
    }

    /** The session id of the last ack, or {@code null}. */
    public String sessionId() {
        return sessionId;
    }

    /** The client id sent in handshakes. */
    public String clientId() {
        return initTemplate.clientId();
    }

    // ---- Events -------------------------------------------------------------------------------------------------

    /**
     * The application asks to connect. A no-op while connecting or connected.
     *
     * @throws IllegalStateException after {@link #close(Actions)}
     */
    public void connect(Actions out) {
        switch (state) {
            case DISCONNECTED, FAILED -> openNext(out);
            case CONNECTING, HANDSHAKING_INIT, HANDSHAKING_RESUME, CONNECTED, BACKOFF -> { }
            case CLOSED -> throw new IllegalStateException("The client is closed");
        }
    }

    /** The transport of {@code attemptId} opened: send the handshake (resume first when a thread is stored). */
    public void transportOpened(long attemptId, Actions out) {
        if (attemptId != attempt || state != State.CONNECTING) {
            return;
        }
        sendHandshake(out);
    }

    /** The transport of {@code attemptId} could not be opened. */
    public void transportFailed(long attemptId, Actions out) {
        if (attemptId != attempt || state != State.CONNECTING) {
            return;
        }
        backOff(out);
    }

    /** A message arrived on the transport of {@code attemptId}. */
    public void received(long attemptId, LtpMessage message, Actions out) {
        if (attemptId != attempt) {
            return;
        }
        if (state.isHandshaking()) {
            receivedWhileHandshaking(message, out);
        } else if (state == State.CONNECTED) {
            receivedWhileConnected(message, out);
        }
    }

    /** The transport of {@code attemptId} closed, with the close frame's code and reason. */
    public void transportClosed(long attemptId, int code, String reason, Actions out) {
        if (attemptId != attempt) {
            return;
        }
        switch (state) {
            case CONNECTING, HANDSHAKING_INIT, HANDSHAKING_RESUME, CONNECTED -> lost(code, reason, out);
            case DISCONNECTED, BACKOFF, CLOSED, FAILED -> { }
        }
    }

    /** No pong arrived within the pong timeout (LTP-HB-002): close 1000 and reconnect. */
    public void heartbeatTimeout(Actions out) {
        if (state != State.CONNECTED) {
            return;
        }
        out.closeTransport(attempt, CloseCodes.NORMAL, CloseCodes.REASON_HEARTBEAT_TIMEOUT);
        out.disconnected(CloseCodes.NORMAL, CloseCodes.REASON_HEARTBEAT_TIMEOUT);
        backOff(out);
    }

    /** The handshake went unanswered for too long (§3.7): a failed attempt. */
    public void handshakeTimeout(Actions out) {
        if (!state.isHandshaking()) {
            return;
        }
        out.closeTransport(attempt, CloseCodes.NORMAL, REASON_HANDSHAKE_TIMEOUT);
        backOff(out);
    }

    /** The backoff delay passed: try again. */
    public void reconnectDue(Actions out) {
        if (state == State.BACKOFF) {
            openNext(out);
        }
    }

    /** The retry policy has no attempts left. */
    public void retriesExhausted(Actions out) {
        if (state == State.BACKOFF) {
            fail(new Failure(FailureReason.RETRIES_EXHAUSTED, "Could not reconnect", null), out);
        }
    }

    /** The application closes the client; idempotent. */
    public void close(Actions out) {
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.CONNECTING || state.hasOpenTransport()) {
            out.closeTransport(attempt, CloseCodes.NORMAL, REASON_CLIENT_CLOSED);
        }
        if (state == State.CONNECTED) {
            out.disconnected(CloseCodes.NORMAL, REASON_CLIENT_CLOSED);
        }
        transition(State.CLOSED, out);
    }

    // ---- Internals ----------------------------------------------------------------------------------------------

    private void receivedWhileHandshaking(LtpMessage message, Actions out) {
        if (message instanceof HandshakeAck ack) {
            accept(ack, out);
        } else if (message instanceof HandshakeReject reject) {
            rejected(reject, out);
        } else if (message instanceof Envelope envelope && MessageTypes.ERROR.equals(envelope.type())) {
            ErrorPayload error = ErrorPayload.from(envelope);
            ErrorCode code = error.knownCode();
            if (code == ErrorCode.UNSUPPORTED_VERSION || code == ErrorCode.INVALID_CLIENT_ID
                    || code == ErrorCode.MALFORMED_HANDSHAKE) {
                out.closeTransport(attempt, CloseCodes.NORMAL, "handshake_refused");
                fail(new Failure(FailureReason.HANDSHAKE_REFUSED, "Server refused the handshake: "
                        + error.code() + " " + error.message(), error), out);
            } else {
                out.serverError(error);
            }
        }
        // Anything else before the ack is ignored: the session does not exist yet.
    }

    private void receivedWhileConnected(LtpMessage message, Actions out) {
        if (!(message instanceof Envelope envelope)) {
            return; // an unsolicited handshake message
        }
        if (MessageTypes.ERROR.equals(envelope.type())) {
            ErrorPayload error = ErrorPayload.from(envelope);
            out.serverError(error);
            if (error.knownCode() == ErrorCode.SESSION_EXPIRED && threadId != null) {
                sendHandshake(out); // §6: clients answer SESSION_EXPIRED with handshake_resume
            }
            return;
        }
        out.deliver(envelope);
    }

    private void accept(HandshakeAck ack, Actions out) {
        if (!LtpVersions.isSupported(ack.ltpVersion())) {
            out.closeTransport(attempt, CloseCodes.PROTOCOL_ERROR, "Unsupported version in ack");
            backOff(out);
            return;
        }
        threadId = ack.threadId();
        sessionId = ack.sessionId();
        everConnected = true;
        immediateRetryUsed = false;
        out.persistSession(threadId, sessionId);
        transition(State.CONNECTED, out);
        out.connected(ack);
    }

    private void rejected(HandshakeReject reject, Actions out) {
        if (state != State.HANDSHAKING_RESUME) {
            out.closeTransport(attempt, CloseCodes.NORMAL, "unexpected_reject");
            fail(new Failure(FailureReason.UNEXPECTED_REJECT,
                    "Server rejected a handshake_init: " + reject.reason(), null), out);
            return;
        }
        threadId = null;
        sessionId = null;
        out.clearSession();
        if (reject.shouldStartNewThread()) {
            sendHandshake(out);
        } else {
            out.closeTransport(attempt, CloseCodes.NORMAL, "resume_rejected");
            fail(new Failure(FailureReason.RESUME_REJECTED, "Server rejected the resume: " + reject.reason(), null),
                    out);
        }
    }

    private void sendHandshake(Actions out) {
        if (threadId != null) {
            HandshakeResume resume = new HandshakeResume(initTemplate.ltpVersion(), initTemplate.clientId(), threadId,
                    everConnected ? HandshakeResume.REASON_AUTOMATIC_RECONNECT : "app_reconnect",
                    initTemplate.metadata() == null ? null : initTemplate.metadata().deepCopy(), null);
            transition(State.HANDSHAKING_RESUME, out);
            out.send(resume);
        } else {
            transition(State.HANDSHAKING_INIT, out);
            out.send(initTemplate);
        }
    }

    private void lost(int code, String reason, Actions out) {
        boolean wasConnected = state == State.CONNECTED;
        if (wasConnected) {
            out.disconnected(code, reason);
        }
        if (code == CloseCodes.NORMAL && CloseCodes.REASON_SESSION_SUPERSEDED.equals(reason)) {
            fail(new Failure(FailureReason.SESSION_SUPERSEDED,
                    "Another connection took over the thread; not reconnecting", null), out);
        } else if (code == CloseCodes.GOING_AWAY && !immediateRetryUsed) {
            immediateRetryUsed = true; // once; if that attempt fails too, back off as usual
            openNext(out);
        } else {
            backOff(out);
        }
    }

    private void openNext(Actions out) {
        attempt++;
        transition(State.CONNECTING, out);
        out.openTransport(attempt);
    }

    private void backOff(Actions out) {
        transition(State.BACKOFF, out);
        out.scheduleReconnect();
    }

    private void fail(Failure failure, Actions out) {
        transition(State.FAILED, out);
        out.permanentFailure(failure);
    }

    private void transition(State to, Actions out) {
        State from = state;
        state = to;
        if (from != to) {
            out.stateChanged(from, to);
        }
    }
}
