package io.liminal.ltp.server.auth;

import java.util.Objects;

/** An {@link Authenticator}'s decision. */
public sealed interface AuthResult {

    /** The handshake may proceed as {@code principal}. */
    static AuthResult allow(String principal) {
        return new Allowed(principal);
    }

    /** The handshake is refused; {@code reason} is logged, never sent. */
    static AuthResult deny(String reason) {
        return new Denied(reason);
    }

    /**
     * Allowed.
     *
     * @param principal who the client is (for example the JWT subject); threads remember it and only the same
     *     principal may resume them
     */
    record Allowed(String principal) implements AuthResult {
        /** Validates the components. */
        public Allowed {
            Objects.requireNonNull(principal, "principal");
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
