package io.liminal.ltp.client.internal;

import io.liminal.ltp.client.Transport;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Map;

/** Opens connections (WebSocket, or sse-v1) for the client. Callbacks come from the transport's threads. */
public interface ClientTransport {

    /** Starts opening a connection; the outcome arrives through {@code listener}. */
    Connection open(URI uri, Map<String, String> headers, Listener listener);

    /** An open or opening connection. */
    interface Connection {
        /** Queues a text frame; ignored once the connection is closing. */
        void send(String text);

        /** Starts the closing handshake (or aborts an opening connection). */
        void close(int code, String reason);

        /** What carries this connection; known once it opened. */
        default Transport transport() {
            return Transport.WEBSOCKET;
        }
    }

    /** What happens to a connection, reported from the transport's threads. */
    interface Listener {
        /** The upgrade succeeded. */
        void onOpen(String subprotocol);

        /** A text message arrived. */
        void onText(String text);

        /** A binary message arrived. */
        void onBinary(ByteBuffer data);

        /** The connection closed after it was open. */
        void onClosed(int code, String reason, boolean byServer);

        /** The connection could not be opened. */
        void onFailed(Throwable cause);
    }
}
