package io.liminal.ltp.server.transport;

import java.io.IOException;
import java.net.InetSocketAddress;

/** A WebSocket server stack the LTP engine runs on. */
public interface LtpTransport {

    /**
     * Starts listening; returns once bound.
     *
     * @return the bound WebSocket address (with the actual port when port 0 was asked for)
     */
    InetSocketAddress start(TransportContext context) throws IOException;

    /** The bound address of the separate HTTP endpoints port, or {@code null} when there is none. */
    InetSocketAddress httpAddress();

    /** Connections accepted that have not completed a WebSocket upgrade (HTTP endpoint connections included). */
    default int pendingConnections() {
        return 0;
    }

    /** Bytes of unfinished inbound messages the transport holds over all connections (see TransportLimits). */
    default long bufferedInboundBytes() {
        return 0;
    }

    /** Closes the listeners and every connection still open, and releases the stack's threads. */
    void close();
}
