package io.liminal.ltp.server.auth;

import java.net.SocketAddress;
import java.util.function.Function;

/**
 * What an {@link Authenticator} gets for one handshake.
 *
 * @param clientId the handshake's {@code client_id}
 * @param token the token: {@code metadata.auth_token} of the handshake if present, else the bearer token of the
 *     upgrade request's {@code Authorization} header, else {@code null}. Never log it.
 * @param tokenSource where the token came from
 * @param resume whether the handshake is a {@code handshake_resume}
 * @param remoteAddress the peer's address
 * @param requestHeader the upgrade request's headers by name (case-insensitive), {@code null} when absent
 */
public record AuthRequest(String clientId, String token, TokenSource tokenSource, boolean resume,
        SocketAddress remoteAddress, Function<String, String> requestHeader) {

    /** Where a token came from. */
    public enum TokenSource {
        /** {@code metadata.auth_token} of the handshake (§11.6). */
        HANDSHAKE_METADATA,
        /** {@code Authorization: Bearer ...} of the HTTP upgrade request. */
        AUTHORIZATION_HEADER,
        /** No token was sent. */
        NONE
    }

    @Override
    public String toString() {
        // Tokens must never be logged (§11.6).
        return "AuthRequest{clientId=" + clientId + ", tokenSource=" + tokenSource + ", resume=" + resume
                + ", remoteAddress=" + remoteAddress + '}';
    }
}
