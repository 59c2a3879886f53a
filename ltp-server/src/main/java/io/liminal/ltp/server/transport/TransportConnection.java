package io.liminal.ltp.server.transport;

import io.liminal.ltp.core.concurrent.Scheduler;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;

/**
 * One accepted connection (a WebSocket, or an sse-v1 binding connection), as the engine sees it.
 * {@link #send}, {@link #close} and {@link #setReading} may be called from any thread and never block.
 */
public interface TransportConnection {

    /** Queues a text frame. Frames are sent in the order of the calls. */
    void send(String text);

    /**
     * Queues a text frame given as UTF-8 bytes; the caller hands the array over and never touches it again. Frames
     * are sent in the order of all {@code send} calls. The default decodes the bytes for {@link #send(String)};
     * a transport that writes bytes anyway overrides it and skips that copy.
     */
    default void sendUtf8(byte[] utf8) {
        send(new String(utf8, StandardCharsets.UTF_8));
    }

    /** Sends a close frame with {@code code} and {@code reason}, then closes the connection. Idempotent. */
    void close(int code, String reason);

    /** Pauses ({@code false}) or resumes reading frames from the peer (backpressure). */
    void setReading(boolean reading);

    /** The peer's address. */
    SocketAddress remoteAddress();

    /** The subprotocol selected during the upgrade, or {@code null} when none was. */
    String subprotocol();

    /** A header of the upgrade request by name (case-insensitive), or {@code null}. */
    String requestHeader(String name);

    /**
     * The connection's serial lane. The transport calls the {@link ConnectionListener} only from it, and the
     * engine runs all its work for this connection on it.
     */
    Executor executor();

    /** Timers that run on {@link #executor()}. */
    Scheduler scheduler();

    /**
     * The transport's name as a metric tag: {@code websocket} (the default) or {@code sse}; a fixed set, never
     * anything the peer chose.
     */
    default String transportName() {
        return "websocket";
    }
}
