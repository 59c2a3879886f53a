package io.liminal.ltp.core.security;

import io.liminal.ltp.core.ErrorCode;
import io.liminal.ltp.core.LtpProtocolException;
import io.liminal.ltp.core.message.Envelope;
import java.util.Objects;
import java.util.function.Function;

/**
 * Checks an inbound envelope under the optional security extensions (spec §11.3, §11.5) before it is delivered.
 * Compose in the spec's order: signatures, then replay protection ({@link #andThen(EnvelopeVerifier)}).
 */
@FunctionalInterface
public interface EnvelopeVerifier {

    /**
     * Verifies {@code envelope}, received from {@code clientId}.
     *
     * @throws LtpProtocolException with an extension code; the connection stays open
     */
    void verify(Envelope envelope, String clientId);

    /**
     * Whether this verifier reads the payload (a signature covers it). When none does, a server may skip building
     * a ping's payload, which it otherwise never needs; custom verifiers are assumed to read it.
     */
    default boolean readsPayload() {
        return true;
    }

    /** Verifies nothing (the extensions are off). */
    static EnvelopeVerifier none() {
        return new EnvelopeVerifier() {
            @Override
            public void verify(Envelope envelope, String clientId) {
            }

            @Override
            public boolean readsPayload() {
                return false;
            }
        };
    }

    /**
     * Requires a valid HMAC-SHA256 signature made with the client's secret.
     *
     * @param secrets the secret of a client id, or {@code null} when there is none
     *     ({@code SIGNATURE_VERIFICATION_ERROR})
     */
    static EnvelopeVerifier signatures(Function<String, EnvelopeSigner> secrets) {
        Objects.requireNonNull(secrets, "secrets");
        return (envelope, clientId) -> {
            EnvelopeSigner signer = clientId == null ? null : secrets.apply(clientId);
            if (signer == null) {
                throw new LtpProtocolException(ErrorCode.SIGNATURE_VERIFICATION_ERROR,
                        "No signing secret is configured for this client",
                        LtpProtocolException.newDetails().put("field", "signature").build());
            }
            signer.verify(envelope);
        };
    }

    /**
     * Requires fresh timestamps and unique nonces. Nonces are remembered per session client and thread (the
     * envelope's thread is the connection's by the time verifiers run), so a peer can only fill a window it could
     * already send in.
     */
    static EnvelopeVerifier replayProtection(ReplayGuard guard) {
        Objects.requireNonNull(guard, "guard");
        return new EnvelopeVerifier() {
            @Override
            public void verify(Envelope envelope, String clientId) {
                guard.check(envelope, clientId + '\n' + envelope.threadId());
            }

            @Override
            public boolean readsPayload() {
                return false; // nonce and timestamp only
            }
        };
    }

    /** This check, then {@code next}. */
    default EnvelopeVerifier andThen(EnvelopeVerifier next) {
        Objects.requireNonNull(next, "next");
        EnvelopeVerifier first = this;
        return new EnvelopeVerifier() {
            @Override
            public void verify(Envelope envelope, String clientId) {
                first.verify(envelope, clientId);
                next.verify(envelope, clientId);
            }

            @Override
            public boolean readsPayload() {
                return first.readsPayload() || next.readsPayload();
            }
        };
    }
}
