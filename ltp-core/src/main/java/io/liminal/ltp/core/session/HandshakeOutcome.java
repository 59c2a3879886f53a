package io.liminal.ltp.core.session;

import com.google.gson.JsonElement;
import io.liminal.ltp.core.LtpProtocolException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How the server's engine resolved a handshake that a {@link ServerConnectionMachine} handed to it (after
 * authentication and the thread store).
 */
public sealed interface HandshakeOutcome {

    /**
     * The thread was created or found: ack it.
     *
     * @param threadId the thread
     * @param sessionId a never-issued session id for this connection
     * @param resumed whether an existing thread was re-entered
     * @param capabilities {@code server_capabilities} for this ack, or {@code null} for the configured ones
     * @param extraFields extra ack members (extensions), or {@code null}
     */
    record Accepted(String threadId, String sessionId, boolean resumed, List<String> capabilities,
            Map<String, JsonElement> extraFields) implements HandshakeOutcome {
        /** Validates the components. */
        public Accepted {
            Objects.requireNonNull(threadId, "threadId");
            Objects.requireNonNull(sessionId, "sessionId");
        }

        /** An acceptance with the configured capabilities. */
        public static Accepted of(String threadId, String sessionId, boolean resumed) {
            return new Accepted(threadId, sessionId, resumed, null, null);
        }
    }

    /**
     * A resume was refused ({@code handshake_reject}); the connection stays open.
     *
     * @param reason {@code thread_not_found}, {@code forbidden} or implementation-specific
     * @param suggestNew whether the client should send {@code handshake_init} right away
     */
    record Rejected(String reason, boolean suggestNew) implements HandshakeOutcome {
        /** Validates the components. */
        public Rejected {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * The handshake was refused with an error. The connection then closes with {@code closeCode}, or stays open
     * when it is {@link io.liminal.ltp.core.CloseCodes#NONE}.
     *
     * @param error the error to send
     * @param closeCode the WebSocket close code, or {@code CloseCodes.NONE} to keep the connection open
     * @param closeReason the close reason
     */
    record Refused(LtpProtocolException error, int closeCode, String closeReason) implements HandshakeOutcome {
        /** Validates the components. */
        public Refused {
            Objects.requireNonNull(error, "error");
        }

        /** A refusal that closes as the error's code prescribes (§6), with {@code closeReason}. */
        public static Refused of(LtpProtocolException error, String closeReason) {
            return new Refused(error, error.code().closeCode(), closeReason);
        }
    }

    /**
     * The server could not resolve the handshake (its store or authenticator failed): the connection closes with
     * 1011 and no error frame, so the client retries with backoff.
     *
     * @param reason the close reason
     */
    record Unavailable(String reason) implements HandshakeOutcome {
        /** Validates the components. */
        public Unavailable {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
