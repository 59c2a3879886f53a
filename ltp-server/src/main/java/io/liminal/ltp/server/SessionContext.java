package io.liminal.ltp.server;

import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.Meta;
import java.util.concurrent.CompletableFuture;

/**
 * One session (one connection's participation in a thread) as the application sees it in a handler call.
 * Immutable; safe to keep and use from any thread after the call.
 *
 * <p><b>Sends during a handler call.</b> What a handler sends to its own thread while its call runs
 * ({@link #reply}, {@link #pushToThread}, {@link LtpServer#pushTo} with this thread) is collected and published
 * when the call returns, in call order. With the delivery extension it is logged in the same store commit that
 * marks the handled message processed, so a server crash never leaves a message done with its replies lost. The
 * returned futures therefore complete after the call returns: chain on them ({@code whenComplete}); waiting for
 * one inside the call ({@code join}, {@code get}) throws {@link IllegalStateException} at once instead of hanging.
 * Sends from any other thread go out (and are logged) as they are made.
 */
public interface SessionContext {

    /** The thread. */
    String threadId();

    /** The session: this connection's current one. */
    String sessionId();

    /** The client id the session was opened with. */
    String clientId();

    /** The authenticated principal (for example a JWT subject), or {@code null} when authentication is off. */
    String principal();

    /** The protocol version of the session, {@code "0.3"} or {@code "0.2"}. */
    String ltpVersion();

    /** The {@code meta} of the message being handled, or an empty meta outside message callbacks. */
    Meta meta();

    /**
     * The message being handled, as received: with its {@code content_encoding} (so a handler knows TOON data),
     * timestamp, nonce and unknown fields. {@code null} in {@link LtpHandler#onSessionOpened} and
     * {@link LtpHandler#onSessionClosed}.
     */
    Envelope message();

    /**
     * The message's place in its client's numbered stream when the client negotiated the delivery extension
     * ({@code delivery-v1}); {@code null} otherwise and outside message callbacks.
     */
    DeliveryInfo delivery();

    /**
     * Sends an envelope to this session's connection. The server sets {@code thread_id}, {@code session_id},
     * a timestamp and a nonce when missing, and signs it when signing is on. On a {@code "0.2"} session TOON data
     * is sent as JSON. With the delivery extension the reply is logged for this session's client instance, so it
     * reaches the client even if the connection drops first (on its next resume).
     *
     * @return completes when the reply is in the thread's log (delivery extension) or was handed to the
     *     connection (plain v0.3); fails with {@link io.liminal.ltp.core.LtpProtocolException} when the envelope
     *     breaks a size limit, with {@link IllegalStateException} when a plain session has ended, and with the
     *     store's exception when logging failed
     */
    CompletableFuture<Void> reply(Envelope envelope);

    /**
     * Sends an envelope to every live connection of this session's thread (several tabs or devices may share it).
     * With the delivery extension it is logged first, so clients that are away get it when they resume.
     *
     * @return completes with the number of connections it was handed to, once it is in the thread's log when the
     *     thread uses the delivery extension
     */
    CompletableFuture<Integer> pushToThread(Envelope envelope);
}
