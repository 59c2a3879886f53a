package io.liminal.ltp.server.auth;

/**
 * Decides whether a handshake may proceed (§11.6). Called for every {@code handshake_init} and
 * {@code handshake_resume} with the token from {@code metadata.auth_token} or, failing that, from the upgrade
 * request's {@code Authorization: Bearer} header. A denial is answered with {@code INVALID_CLIENT_ID} and close
 * 1008 "Unauthorized".
 *
 * <p>Implementations must be thread-safe. They may block (a remote introspection call) unless
 * {@link #isBlocking()} says otherwise; blocking ones are called from the server's blocking executor.
 */
@FunctionalInterface
public interface Authenticator {

    /** Decides; must not throw for a bad token (deny instead). */
    AuthResult authenticate(AuthRequest request);

    /** Whether {@link #authenticate} may block (default {@code true}). */
    default boolean isBlocking() {
        return true;
    }
}
