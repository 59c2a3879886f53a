package io.liminal.ltp.server.transport;

import java.nio.ByteBuffer;

/**
 * The engine's side of one connection. The transport calls these methods one at a time, on the connection's
 * {@link TransportConnection#executor()}.
 */
public interface ConnectionListener {

    /** A complete (reassembled) text message; {@code utf8Bytes} is its size on the wire. */
    void onText(String text, int utf8Bytes);

    /** A complete binary message. */
    void onBinary(ByteBuffer data);

    /**
     * A message larger than the transport's buffering limit arrived and was discarded as it streamed in;
     * {@code sizeBytes} is its total size.
     */
    void onOversizedMessage(long sizeBytes);

    /** The connection closed, by either side; {@code code} is 1006 when no close frame was received. */
    void onClosed(int code, String reason);
}
