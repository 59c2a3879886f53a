package io.liminal.ltp.server;

import io.liminal.ltp.core.security.EnvelopeSigner;
import io.liminal.ltp.core.security.EnvelopeVerifier;
import io.liminal.ltp.core.security.ReplayGuard;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The optional security extensions of spec §11.3 and §11.5, off by default (LTP-SEC-002).
 *
 * <ul>
 *   <li>{@link Builder#signatures(SecretProvider)}: every envelope after the handshake must carry a valid
 *       HMAC-SHA256 signature made with the client's secret, and the server signs what it sends to that client.
 *       The capability {@code sig-hmac-sha256} is advertised.</li>
 *   <li>{@link Builder#replayProtection(ReplayGuard)}: fresh timestamps and unique nonces.</li>
 * </ul>
 */
public final class MessageSecurity {
    private static final MessageSecurity NONE = new MessageSecurity(null, null);

    private final SecretProvider secrets;
    private final ReplayGuard replayGuard;
    private final Function<String, EnvelopeSigner> signers;

    private MessageSecurity(SecretProvider secrets, ReplayGuard replayGuard) {
        this.secrets = secrets;
        this.replayGuard = replayGuard;
        ConcurrentHashMap<String, EnvelopeSigner> cache = new ConcurrentHashMap<>();
        this.signers = secrets == null ? null : clientId -> {
            String secret = secrets.secretFor(clientId);
            if (secret == null) {
                return null;
            }
            return cache.computeIfAbsent(clientId + '\u0000' + secret, key -> EnvelopeSigner.hmacSha256(secret));
        };
    }

    /** Both extensions off. */
    public static MessageSecurity none() {
        return NONE;
    }

    /** A builder with both extensions off. */
    public static Builder builder() {
        return new Builder();
    }

    /** The secret of each client, shared out of band. */
    @FunctionalInterface
    public interface SecretProvider {
        /** The client's secret, or {@code null} when it has none (its envelopes then fail verification). */
        String secretFor(String clientId);
    }

    /** Whether signatures are required. */
    public boolean signaturesRequired() {
        return secrets != null;
    }

    /** Whether replay protection is on. */
    public boolean replayProtection() {
        return replayGuard != null;
    }

    /** The inbound verifier: signatures, then time and nonce (the spec's order). */
    public EnvelopeVerifier verifier() {
        EnvelopeVerifier verifier = EnvelopeVerifier.none();
        if (signers != null) {
            verifier = EnvelopeVerifier.signatures(signers);
        }
        if (replayGuard != null) {
            verifier = verifier.andThen(EnvelopeVerifier.replayProtection(replayGuard));
        }
        return verifier;
    }

    /** Signers for outbound envelopes by client id, or {@code null} when signing is off. */
    public Function<String, EnvelopeSigner> outboundSigners() {
        return signers;
    }

    /** Builds {@link MessageSecurity}. */
    public static final class Builder {
        private SecretProvider secrets;
        private ReplayGuard replayGuard;

        private Builder() {
        }

        /** Requires HMAC-SHA256 signatures made with each client's secret. */
        public Builder signatures(SecretProvider secrets) {
            this.secrets = Objects.requireNonNull(secrets, "secrets");
            return this;
        }

        /** Turns replay protection on with {@code guard}. */
        public Builder replayProtection(ReplayGuard guard) {
            this.replayGuard = Objects.requireNonNull(guard, "guard");
            return this;
        }

        /** The settings. */
        public MessageSecurity build() {
            return secrets == null && replayGuard == null ? NONE : new MessageSecurity(secrets, replayGuard);
        }
    }
}
