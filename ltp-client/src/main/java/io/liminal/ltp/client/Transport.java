package io.liminal.ltp.client;

/**
 * What carries a client's connection. The thread, the offline buffer, delivery-v1 and the listener behave the same
 * on both; only {@link LtpClient#transport()} and {@link LtpClientListener#onTransportChanged} tell them apart.
 */
public enum Transport {
    /** A WebSocket (RFC 6455), the protocol's own transport. */
    WEBSOCKET,
    /**
     * The sse-v1 binding (docs/extensions/sse-v1.md): Server-Sent Events from the server, HTTP posts to it, for
     * networks whose proxies break WebSocket.
     */
    SSE
}
