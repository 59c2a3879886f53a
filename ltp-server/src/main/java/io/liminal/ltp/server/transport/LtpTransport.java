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

    /** Closes the listeners and every connection still open, and releases the stack's threads. */
    void close();
}
