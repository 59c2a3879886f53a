package io.liminal.ltp.core.session;

import com.google.gson.JsonObject;
import io.liminal.ltp.core.CloseCodes;
import io.liminal.ltp.core.ErrorCode;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.internal.codec.FrameDecoder;
import io.liminal.ltp.core.internal.limit.TokenBucket;
import io.liminal.ltp.core.internal.text.LogSafe;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.ErrorPayload;
import io.liminal.ltp.core.message.HandshakeAck;
import io.liminal.ltp.core.message.HandshakeInit;
import io.liminal.ltp.core.message.HandshakeReject;
import io.liminal.ltp.core.message.HandshakeResume;
import io.liminal.ltp.core.message.LtpMessage;
import io.liminal.ltp.core.message.Meta;
import io.liminal.ltp.core.message.MessageTypes;
import io.liminal.ltp.core.security.EnvelopeSigner;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Objects;

/**
 * The protocol rules for one server-side connection (spec §3.6, §4, §5, §6, §7), as a pure state machine.
 *
 * <pre>
 *  AWAITING_HANDSHAKE ──valid init/resume──▶ (handshake pending) ──Accepted──▶ ACTIVE ◀─┐
 *        │        ▲                                   │ Rejected: stays                 │ init/resume on an
 *        │        └───────────────────────────────────┘ Refused: error + close ──┐     │ ACTIVE connection
 *        │                                                                      ▼     │ rebinds it
 *        └── close-worthy error, handshake/idle timeout, going away ──────▶ CLOSING ──transport closed──▶ CLOSED
 * </pre>
 *
 * <p>Inbound frames are checked in the spec's order (size, JSON object, type, handshake state, ids, limits,
 * extension checks, payload); the first failure sends one {@code error} (payload form, with the connection's ids
 * once bound) and drops the message; the connection stays open unless the code's §6 rule says otherwise.
 * Errors from the client are discarded without an answer (LTP-ERR-004).
 *
 * <p>While a handshake is being resolved by the engine (authentication, thread store), frames that arrive are held
 * in order and processed after it, at most {@link ServerSessionConfig#maxHeldFrames()}.
 *
 * <p>Not thread-safe: one instance belongs to one connection's serial lane.
 */
public final class ServerConnectionMachine {

    /** Connection states. */
    public enum State {
        /** Socket open, no handshake accepted yet; only handshakes are accepted. */
        AWAITING_HANDSHAKE,
        /** A handshake was acked; envelopes flow. */
        ACTIVE,
        /** The server decided to close; inbound frames are ignored. */
        CLOSING,
        /** The transport is closed. */
        CLOSED
    }

    /**
     * What the machine asks its owner to do. Called synchronously from the event methods, on the caller's lane.
     */
    public interface Actions {
        /** Sends a message to the client. */
        void send(LtpMessage message);

        /** Closes the connection with a WebSocket close code and reason. */
        void close(int code, String reason);

        /**
         * A valid inbound message passed every check (idle clock, metrics); called before it is acted on.
         *
         * @param nowMillis the config clock's time, read once for this message (the pong it may get carries it too)
         */
        void accepted(LtpMessage message, long nowMillis);

        /** Hands a valid {@code state_update}, {@code event} or routed custom envelope to the application. */
        void deliver(Envelope envelope);

        /**
         * Resolves a valid {@code handshake_init}: authenticate, create the thread, then call
         * {@link ServerConnectionMachine#onHandshakeResolved}.
         */
        void openThread(HandshakeInit init);

        /**
         * Resolves a valid {@code handshake_resume}: authenticate, look up the thread and its owner, then call
         * {@link ServerConnectionMachine#onHandshakeResolved}.
         */
        void resumeThread(HandshakeResume resume);
    }

    /** Close reason when no handshake completed in time. */
    public static final String REASON_HANDSHAKE_TIMEOUT = "handshake_timeout";
    /** Close reason when too many frames arrived while a handshake was resolved. */
    public static final String REASON_TOO_MANY_HELD = "Too many messages before the handshake completed";
    /** Close reason when a connection caused more errors than its allowance (§6: MAY close 1008 on abuse). */
    public static final String REASON_TOO_MANY_ERRORS = "Too many errors";

    /** Shared by every pong: pongs only go to the encoder, which never changes them. */
    private static final JsonObject PONG_PAYLOAD = new JsonObject();
    private static final Meta PONG_META = Meta.wrap(new JsonObject());

    private final ServerSessionConfig config;
    /** A ping's payload is never needed, unless a signature covers it (§11.3: signed as sent). */
    private final boolean discardPingPayload;
    private final RateGate rateGate;
    private final Gate gate = new Gate();

    private State state = State.AWAITING_HANDSHAKE;
    private boolean handshakePending;
    private String pendingVersion;
    private String pendingClientId;
    private boolean pendingIsInit;
    private ArrayDeque<Object> held;
    private long heldBytes;
    /** Made at the first ping or error: most connections never need them. */
    private TokenBucket pingTokens;
    private TokenBucket errorTokens;
    private String threadId;
    private String sessionId;
    private String clientId;
    private String ltpVersion;
    private EnvelopeSigner outboundSigner;
    /**
     * The head of the bound session's plain ping when its ids need no JSON escaping, else {@code null};
     * {@link #HEAD_NOT_BUILT} until the first ASCII frame asks (a session that never pings never builds it).
     */
    private byte[] plainPingHead;
    private static final byte[] HEAD_NOT_BUILT = new byte[0];

    /**
     * @param config the server's settings
     * @param rateGate the rate limit that applies to this connection ({@link RateGate#UNLIMITED} for none)
     */
    public ServerConnectionMachine(ServerSessionConfig config, RateGate rateGate) {
        this.config = Objects.requireNonNull(config, "config");
        this.discardPingPayload = !config.verifier().readsPayload();
        this.rateGate = Objects.requireNonNull(rateGate, "rateGate");
    }

    /** The rate limit of one connection: asked once per counted message (everything but pings and inits). */
    @FunctionalInterface
    public interface RateGate {
        /** No limit. */
        RateGate UNLIMITED = () -> true;

        /** Whether one more message may pass now. */
        boolean tryAcquire();

        /** {@code details} of the {@code RATE_LIMIT_EXCEEDED} error; by default none. */
        default JsonObject details() {
            return new JsonObject();
        }
    }

    // ---- Queries ------------------------------------------------------------------------------------------------

    /** The current state. */
    public State state() {
        return state;
    }

    /** Whether a handshake is being resolved by the engine. */
    public boolean handshakePending() {
        return handshakePending;
    }

    /** The {@code ltp_version} of the handshake being resolved, or {@code null} when none is pending. */
    public String pendingVersion() {
        return handshakePending ? pendingVersion : null;
    }

    /** The bound thread, or {@code null} before the first ack. */
    public String threadId() {
        return threadId;
    }

    /** The current session, or {@code null} before the first ack. */
    public String sessionId() {
        return sessionId;
    }

    /** The client id of the bound session, or {@code null}. */
    public String clientId() {
        return clientId;
    }

    /** The protocol version in use ({@code "0.3"} or {@code "0.2"}), or {@code null} before the first ack. */
    public String ltpVersion() {
        return ltpVersion;
    }

    // ---- Events -------------------------------------------------------------------------------------------------

    /**
     * A text message arrived.
     *
     * @param utf8Bytes its size in UTF-8 bytes when the transport knows it, else -1
     */
    public void onText(String text, long utf8Bytes, Actions out) {
        if (!accepting()) {
            return;
        }
        if (handshakePending) {
            hold(new HeldText(text, utf8Bytes), out);
            return;
        }
        LtpMessage message;
        try {
            message = FrameDecoder.decode(text, utf8Bytes, config.limits(), gate, discardPingPayload);
        } catch (LtpProtocolException e) {
            fail(e, closeReasonFor(e), out);
            return;
        }
        handle(message, out);
    }

    /**
     * A text message arrived as bytes that are all ASCII (the transport checked: below 0x80), from the buffer's
     * position to its limit; the buffer is read during the call only. The same as {@link #onText} with their text,
     * but a heartbeat ping is read without building a string.
     */
    public void onAsciiText(ByteBuffer ascii, Actions out) {
        if (!accepting()) {
            return;
        }
        if (handshakePending) {
            hold(new HeldText(FrameDecoder.asciiText(ascii), ascii.remaining()), out);
            return;
        }
        LtpMessage message;
        try {
            message = FrameDecoder.decodeAscii(ascii, config.limits(), gate, discardPingPayload);
        } catch (LtpProtocolException e) {
            fail(e, closeReasonFor(e), out);
            return;
        }
        handle(message, out);
    }

    /** A binary message arrived; read like text when it holds UTF-8 JSON. */
    public void onBinary(ByteBuffer data, Actions out) {
        if (!accepting()) {
            return;
        }
        if (handshakePending) {
            hold(data.duplicate(), out);
            return;
        }
        LtpMessage message;
        try {
            message = FrameDecoder.decode(data, config.limits(), gate, discardPingPayload);
        } catch (LtpProtocolException e) {
            fail(e, closeReasonFor(e), out);
            return;
        }
        handle(message, out);
    }

    /**
     * A frame over the transport's message limit arrived and was discarded unread (LTP-LIM-002: answer, stay
     * open).
     */
    public void onOversizedFrame(long sizeBytes, Actions out) {
        if (!accepting()) {
            return;
        }
        if (handshakePending) {
            hold(new HeldOversized(sizeBytes), out);
            return;
        }
        fail(FrameDecoder.tooLarge(sizeBytes, config.limits().maxMessageBytes()), null, out);
    }

    /**
     * The engine resolved the pending handshake.
     *
     * @throws IllegalStateException when no handshake is pending
     * @throws IllegalArgumentException for a {@link HandshakeOutcome.Rejected} of a {@code handshake_init}
     *     (LTP-HS-007: inits are never rejected; refuse them with an error instead)
     */
    public void onHandshakeResolved(HandshakeOutcome outcome, Actions out) {
        Objects.requireNonNull(outcome, "outcome");
        if (!handshakePending) {
            throw new IllegalStateException("No handshake is pending in state " + state);
        }
        if (pendingIsInit && outcome instanceof HandshakeOutcome.Rejected) {
            throw new IllegalArgumentException("handshake_init must not be answered with handshake_reject (LTP-HS-007)");
        }
        handshakePending = false;
        if (!accepting()) {
            held = null;
            return;
        }
        if (outcome instanceof HandshakeOutcome.Accepted accepted) {
            bind(accepted, out);
        } else if (outcome instanceof HandshakeOutcome.Rejected rejected) {
            out.send(HandshakeReject.of(pendingVersion, rejected.reason(), rejected.suggestNew()));
        } else if (outcome instanceof HandshakeOutcome.Refused refused) {
            out.send(errorEnvelope(refused.error()));
            if (refused.closeCode() != CloseCodes.NONE) {
                closeWith(refused.closeCode(), refused.closeReason(), out);
            }
        } else if (outcome instanceof HandshakeOutcome.Unavailable unavailable) {
            closeWith(CloseCodes.INTERNAL_ERROR, unavailable.reason(), out);
        }
        pendingVersion = null;
        pendingClientId = null;
        releaseHeld(out);
    }

    /** No handshake completed within the server's handshake timeout: close 1000. */
    public void onHandshakeTimeout(Actions out) {
        if (state == State.AWAITING_HANDSHAKE) {
            closeWith(CloseCodes.NORMAL, REASON_HANDSHAKE_TIMEOUT, out);
        }
    }

    /** No valid message arrived for 2 × the heartbeat interval: close 1000 {@code heartbeat_timeout}. */
    public void onIdleTimeout(Actions out) {
        if (state == State.ACTIVE) {
            closeWith(CloseCodes.NORMAL, CloseCodes.REASON_HEARTBEAT_TIMEOUT, out);
        }
    }

    /** The server is draining or stopping: close 1001 so the client resumes elsewhere at once. */
    public void onGoingAway(Actions out) {
        if (accepting()) {
            closeWith(CloseCodes.GOING_AWAY, CloseCodes.REASON_GOING_AWAY, out);
        }
    }

    /** A newer connection took over this connection's thread: close 1000 {@code session_superseded}. */
    public void onSuperseded(Actions out) {
        if (state == State.ACTIVE) {
            closeWith(CloseCodes.NORMAL, CloseCodes.REASON_SESSION_SUPERSEDED, out);
        }
    }

    /**
     * The server cannot go on serving this session (its store failed): close 1011 so the client reconnects and
     * resends what was not acknowledged.
     */
    public void onServerFailure(Actions out) {
        if (accepting()) {
            closeWith(CloseCodes.INTERNAL_ERROR, CloseCodes.REASON_INTERNAL_ERROR, out);
        }
    }

    /** The transport closed, whoever closed it. Further events are ignored. */
    public void onTransportClosed() {
        state = State.CLOSED;
        held = null;
    }

    // ---- Outbound -----------------------------------------------------------------------------------------------

    /**
     * Stamps an envelope the server sends on this connection: the bound ids, a timestamp and nonce when missing,
     * and a signature when the signing extension is on for this client.
     *
     * @throws IllegalStateException before the first ack
     */
    public Envelope stamp(Envelope envelope) {
        if (threadId == null) {
            throw new IllegalStateException("The connection has no session yet");
        }
        Envelope stamped = envelope;
        if (!threadId.equals(stamped.threadId()) || !sessionId.equals(stamped.sessionId())) {
            stamped = stamped.withIds(threadId, sessionId);
        }
        if (stamped.timestamp() == 0) {
            stamped = stamped.withTimestamp(nowSeconds());
        }
        if (stamped.nonce() == null) {
            stamped = stamped.withNonce(config.nonces().next());
        }
        return outboundSigner == null ? stamped : outboundSigner.signed(stamped);
    }

    /**
     * What {@link #stamp} gives an envelope without timestamp and nonce, for a sender that writes the envelope's
     * text itself (the bound ids come from the session): {@code null} when stamping needs the whole envelope,
     * because this client's messages are signed, or before the first ack.
     */
    public Stamp plainStamp() {
        return threadId == null || outboundSigner != null ? null : new Stamp(nowSeconds(), config.nonces().next());
    }

    /** A timestamp (seconds) and a fresh nonce, as {@link #stamp} would set them. */
    public record Stamp(long timestamp, String nonce) {
    }

    // ---- Internals ----------------------------------------------------------------------------------------------

    private boolean accepting() {
        return state == State.AWAITING_HANDSHAKE || state == State.ACTIVE;
    }

    private void handle(LtpMessage message, Actions out) {
        if (message instanceof Envelope envelope) {
            if (MessageTypes.ERROR.equals(envelope.type())) {
                return; // logged by nobody, answered by nobody (LTP-ERR-004)
            }
            long now = config.clock().millis();
            boolean ping = MessageTypes.PING.equals(envelope.type());
            if (ping && config.pings().limited() && !takePing(now)) {
                fail(new LtpProtocolException(ErrorCode.RATE_LIMIT_EXCEEDED, "Too many pings",
                        LtpProtocolException.newDetails().put("limit", "pings").put("max", config.pings().count())
                                .put("window_ms", config.pings().window().toMillis()).build()), null, out);
                return;
            }
            out.accepted(envelope, now);
            if (ping) {
                out.send(pong(now));
            } else {
                out.deliver(envelope);
            }
        } else if (message instanceof HandshakeInit init) {
            out.accepted(init, config.clock().millis());
            handshakePending = true;
            pendingVersion = init.ltpVersion();
            pendingClientId = init.clientId();
            pendingIsInit = true;
            out.openThread(init);
        } else if (message instanceof HandshakeResume resume) {
            out.accepted(resume, config.clock().millis());
            handshakePending = true;
            pendingVersion = resume.ltpVersion();
            pendingClientId = resume.clientId();
            pendingIsInit = false;
            out.resumeThread(resume);
        }
    }

    private void bind(HandshakeOutcome.Accepted accepted, Actions out) {
        threadId = accepted.threadId();
        sessionId = accepted.sessionId();
        plainPingHead = HEAD_NOT_BUILT;
        clientId = pendingClientId;
        ltpVersion = pendingVersion;
        outboundSigner = config.outboundSigner(clientId);
        state = State.ACTIVE;
        out.send(new HandshakeAck(ltpVersion, threadId, sessionId,
                accepted.capabilities() == null ? config.capabilities() : accepted.capabilities(),
                config.heartbeatIntervalMs(), accepted.resumed(),
                config.ackMetadata(), null,
                accepted.extraFields()));
    }

    private Envelope pong(long nowMillis) {
        Envelope pong = new Envelope(MessageTypes.PONG, threadId, sessionId, Math.floorDiv(nowMillis, 1000), null,
                PONG_PAYLOAD, PONG_META, config.nonces().next(nowMillis), null, null);
        return outboundSigner == null ? pong : outboundSigner.signed(pong);
    }

    private void fail(LtpProtocolException error, String closeReason, Actions out) {
        if (config.errors().limited()) {
            long now = config.clock().millis();
            if (errorTokens == null) {
                errorTokens = new TokenBucket(config.errors().count(), config.errors().window().toMillis(), now);
            }
            if (!errorTokens.tryAcquire(now)) {
                closeWith(CloseCodes.POLICY_VIOLATION, REASON_TOO_MANY_ERRORS, out);
                return;
            }
        }
        out.send(errorEnvelope(error));
        int closeCode = error.code().closeCode();
        if (closeCode != CloseCodes.NONE) {
            closeWith(closeCode, closeReason == null ? error.code().wireName() : closeReason, out);
        }
    }

    private Envelope errorEnvelope(LtpProtocolException error) {
        ErrorPayload payload = ErrorPayload.of(error);
        if (threadId == null) {
            return payload.toEnvelope(null, null, nowSeconds(), config.nonces().next());
        }
        return stamp(payload.toEnvelope(threadId, sessionId, nowSeconds(), null));
    }

    private static String closeReasonFor(LtpProtocolException error) {
        return error.code() == ErrorCode.INVALID_CLIENT_ID ? "Invalid client_id" : null;
    }

    private void closeWith(int code, String reason, Actions out) {
        state = State.CLOSING;
        held = null;
        out.close(code, reason);
    }

    private void hold(Object frame, Actions out) {
        if (held == null) {
            held = new ArrayDeque<>();
        }
        long bytes = frame instanceof HeldText text ? (text.utf8Bytes() >= 0 ? text.utf8Bytes() : text.text().length())
                : frame instanceof ByteBuffer data ? data.remaining() : 0;
        if (held.size() >= config.maxHeldFrames() || heldBytes + bytes > config.maxHeldBytes()) {
            closeWith(CloseCodes.POLICY_VIOLATION, REASON_TOO_MANY_HELD, out);
            return;
        }
        heldBytes += bytes;
        held.add(frame);
    }

    private void releaseHeld(Actions out) {
        heldBytes = 0; // what stays held is re-held, and re-counted, by a handshake among the released frames
        while (held != null && !held.isEmpty() && !handshakePending && accepting()) {
            Object frame = held.poll();
            if (frame instanceof HeldText text) {
                onText(text.text(), text.utf8Bytes(), out);
            } else if (frame instanceof HeldOversized oversized) {
                onOversizedFrame(oversized.sizeBytes(), out);
            } else {
                onBinary((ByteBuffer) frame, out);
            }
        }
    }

    /** Takes one ping from the connection's allowance (pings are exempt from the message rate limit, A-13). */
    private boolean takePing(long now) {
        if (pingTokens == null) {
            pingTokens = new TokenBucket(config.pings().count(), config.pings().window().toMillis(), now);
        }
        return pingTokens.tryAcquire(now);
    }

    private long nowSeconds() {
        return Math.floorDiv(config.clock().millis(), 1000);
    }

    private record HeldText(String text, long utf8Bytes) {
    }

    private record HeldOversized(long sizeBytes) {
    }

    /** The receiver-specific checks, in the spec's order. */
    private final class Gate implements FrameDecoder.Gate {
        @Override
        public String likelyString1() {
            return threadId;
        }

        @Override
        public String likelyString2() {
            return sessionId;
        }

        @Override
        public byte[] plainPingHead() {
            if (plainPingHead == HEAD_NOT_BUILT) {
                plainPingHead = FrameDecoder.plainPingHead(threadId, sessionId);
            }
            return plainPingHead;
        }

        @Override
        public void onType(String type) {
            boolean ping = MessageTypes.PING.equals(type);
            boolean init = MessageTypes.HANDSHAKE_INIT.equals(type);
            boolean error = MessageTypes.ERROR.equals(type);
            if (!ping && !init && !error && !config.rateLimitExempt(type) && !rateGate.tryAcquire()) {
                throw new LtpProtocolException(ErrorCode.RATE_LIMIT_EXCEEDED, "Too many messages",
                        rateGate.details());
            }

            if (init || error || MessageTypes.HANDSHAKE_RESUME.equals(type)) {
                return;
            }
            boolean handled = ping || MessageTypes.STATE_UPDATE.equals(type) || MessageTypes.EVENT.equals(type)
                    || MessageTypes.isCustom(type) && config.routes(type);
            if (!handled) {
                throw new LtpProtocolException(ErrorCode.UNKNOWN_MESSAGE_TYPE,
                        "Message type '" + LogSafe.text(type) + "' is not supported",
                        LtpProtocolException.newDetails().put("received_type", LogSafe.text(type)).build());
            }
            if (state != State.ACTIVE) {
                throw new LtpProtocolException(ErrorCode.SESSION_EXPIRED,
                        "Send handshake_init or handshake_resume before '" + LogSafe.text(type) + "'",
                        LtpProtocolException.newDetails().put("reason", "handshake_required").build());
            }
        }

        @Override
        public void onIds(String type, String envelopeThreadId, String envelopeSessionId) {
            if (!threadId.equals(envelopeThreadId)) {
                throw new LtpProtocolException(ErrorCode.UNKNOWN_THREAD,
                        "thread_id does not belong to this connection",
                        LtpProtocolException.newDetails().put("thread_id", LogSafe.id(envelopeThreadId)).build());
            }
            if (!sessionId.equals(envelopeSessionId)) {
                throw new LtpProtocolException(ErrorCode.SESSION_EXPIRED,
                        "session_id is not this connection's current session",
                        LtpProtocolException.newDetails().put("reason", "session_mismatch")
                                .put("session_id", LogSafe.id(envelopeSessionId)).build());
            }
        }

        @Override
        public void beforePayload(Envelope envelope) {
            config.verifier().verify(envelope, clientId);
        }
    }
}
