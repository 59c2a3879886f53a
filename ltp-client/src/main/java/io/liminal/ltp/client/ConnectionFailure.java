package io.liminal.ltp.client;

import io.liminal.ltp.core.message.ErrorPayload;
import io.liminal.ltp.core.session.ClientSessionMachine;

/**
 * Why the client gave up.
 *
 * @param reason the kind of failure
 * @param message a human-readable explanation
 * @param error the server's error when one caused it, else {@code null}
 */
public record ConnectionFailure(ClientSessionMachine.FailureReason reason, String message, ErrorPayload error) {
}
