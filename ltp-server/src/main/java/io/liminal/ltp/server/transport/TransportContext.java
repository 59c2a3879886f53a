package io.liminal.ltp.server.transport;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;

/** What the server gives a transport when it starts it. */
public interface TransportContext {

    /**
     * A WebSocket upgrade completed: returns the listener for its frames. The engine may close the connection
     * at once (server at capacity, draining); the transport must still deliver {@link ConnectionListener#onClosed}.
     */
    ConnectionListener accept(TransportConnection connection);

    /** Whether new WebSocket upgrades are accepted (false while draining); refuse with HTTP 503 otherwise. */
    boolean acceptingConnections();

    /**
     * Answers an HTTP request that is not a WebSocket upgrade: {@code /health}, {@code /ready}, {@code /metrics},
     * {@code POST /admin/drain}.
     *
     * @param method HTTP method
     * @param path the request path without query
     * @param authorization the {@code Authorization} header, or {@code null}
     */
    HttpReply http(String method, String path, String authorization);

    /**
     * Answers an HTTP request with its body; the answer may come later (an admin push waits for the cluster's
     * nodes). By default {@link #http(String, String, String)}, ignoring the body.
     *
     * @param body the request body as UTF-8 text ({@code ""} when none)
     */
    default CompletableFuture<HttpReply> http(String method, String path, String authorization, String body) {
        return CompletableFuture.completedFuture(http(method, path, authorization));
    }

    /** The address to listen on for WebSocket (and HTTP) traffic. */
    InetSocketAddress bindAddress();

    /** The address for the separate HTTP endpoints port, or {@code null} for none. */
    InetSocketAddress httpBindAddress();

    /**
     * The largest message the transport buffers. Larger ones are counted while discarded and reported through
     * {@link ConnectionListener#onOversizedMessage}.
     */
    int maxMessageBytes();

    /** Beyond this size a single frame or message makes the transport close the connection with 1009. */
    long hardFrameLimitBytes();

    /** The bounds the transport enforces before and around the engine. */
    default TransportLimits limits() {
        return TransportLimits.DEFAULTS;
    }

    /** Whether a peer is a trusted proxy: exempt from limits per address (its clients are counted instead). */
    default boolean isTrustedProxy(SocketAddress peer) {
        return false;
    }

    /** The transport refused or cut short something because of a {@link #limits()} bound (counted in /metrics). */
    default void record(TransportEvent event) {
    }
}
