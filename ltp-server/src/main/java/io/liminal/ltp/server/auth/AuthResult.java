package io.liminal.ltp.server.auth;

import java.util.Objects;
import java.util.Set;

/** An {@link Authenticator}'s decision. */
public sealed interface AuthResult {

    /** The handshake may proceed as {@code principal}, with any {@code client_id}. */
    static AuthResult allow(String principal) {
        return new Allowed(principal, Set.of());
    }

    /** The handshake may proceed as {@code principal}, only with one of {@code clientIds}. */
    static AuthResult allow(String principal, Set<String> clientIds) {
        return new Allowed(principal, clientIds);
    }

    /** The handshake is refused; {@code reason} is logged, never sent. */
    static AuthResult deny(String reason) {
        return new Denied(reason);
    }

    /**
     * Allowed.
     *
     * @param principal who the client is (for example the JWT subject); threads remember it and only the same
     *     principal may resume them, and limits are charged to it, never to the {@code client_id} alone
     * @param clientIds the {@code client_id}s this principal may use; empty for any (a {@code client_id} is then
     *     only meaningful together with the principal). Others are refused like a failed authentication
     */
    record Allowed(String principal, Set<String> clientIds) implements AuthResult {
        /** Validates the components. */
        public Allowed {
            Objects.requireNonNull(principal, "principal");
            clientIds = Set.copyOf(clientIds);
        }

        /** Whether this principal may use {@code clientId}. */
        public boolean allows(String clientId) {
            return clientIds.isEmpty() || clientIds.contains(clientId);
        }
    }

    /**
     * Denied: the server answers {@code INVALID_CLIENT_ID} and closes 1008 "Unauthorized".
     *
     * @param reason why, for the server's log
     */
    record Denied(String reason) implements AuthResult {
        /** Validates the components. */
        public Denied {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
