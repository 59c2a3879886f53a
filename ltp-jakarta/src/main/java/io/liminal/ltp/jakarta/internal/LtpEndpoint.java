package io.liminal.ltp.jakarta.internal;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.Session;
import java.util.function.BiFunction;

/**
 * One connection's endpoint, made by the transport's configurator, never by the container's reflection (public
 * because containers insist on it).
 */
public final class LtpEndpoint extends Endpoint {
    private final BiFunction<Session, EndpointConfig, JakartaConnection> opener;
    private JakartaConnection connection;

    /** @param opener makes the engine's connection for a session, or refuses it with {@code null} */
    public LtpEndpoint(BiFunction<Session, EndpointConfig, JakartaConnection> opener) {
        this.opener = opener;
    }

    @Override
    public void onOpen(Session session, EndpointConfig config) {
        connection = opener.apply(session, config);
    }

    @Override
    public void onClose(Session session, CloseReason reason) {
        if (connection != null) {
            connection.closed(reason.getCloseCode().getCode(), reason.getReasonPhrase());
        }
    }

    @Override
    public void onError(Session session, Throwable error) {
        if (connection != null) {
            connection.failed(error);
        }
    }
}
