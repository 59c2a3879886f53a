package io.liminal.ltp.server.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

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

    /**
     * Capabilities the transport adds to {@code server_capabilities} in every ack, e.g. {@code sse-v1} when it
     * serves that binding (docs/extensions/sse-v1.md); none by default.
     */
    default List<String> capabilities() {
        return List.of();
    }

    /** Closes the listeners and every connection still open, and releases the stack's threads. */
    void close();
}
