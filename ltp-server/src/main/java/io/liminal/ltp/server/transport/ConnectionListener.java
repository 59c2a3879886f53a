package io.liminal.ltp.server.transport;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The engine's side of one connection. The transport calls these methods one at a time, on the connection's
 * {@link TransportConnection#executor()}.
 */
public interface ConnectionListener {

    /** A complete (reassembled) text message; {@code utf8Bytes} is its size on the wire. */
    void onText(String text, int utf8Bytes);

    /**
     * A complete text message whose bytes the transport found to be all ASCII (below 0x80, so valid UTF-8 with one
     * char per byte): {@code ascii} from its position to its limit, readable during this call only. Transports call
     * this instead of {@link #onText} when they have the bytes anyway, so that the engine can read its most common
     * message, the heartbeat ping, without building a string; the default builds the text and calls
     * {@link #onText}.
     */
    default void onAsciiText(ByteBuffer ascii) {
        byte[] bytes = new byte[ascii.remaining()];
        ascii.get(ascii.position(), bytes);
        onText(new String(bytes, StandardCharsets.ISO_8859_1), bytes.length);
    }

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
