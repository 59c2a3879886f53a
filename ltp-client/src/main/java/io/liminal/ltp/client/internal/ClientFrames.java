package io.liminal.ltp.client.internal;

import io.liminal.ltp.core.internal.security.SecureBytes;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Renders the client's text messages as masked WebSocket frames (RFC 6455 §5.2–5.3), one frame per message.
 *
 * <p>Java-WebSocket 1.6.0 builds every frame it writes into a {@code String} for a trace log line that is never
 * printed, validates UTF-8 the JDK has just encoded, and takes each masking key from a shared {@code SecureRandom};
 * under a stream of small sends that was about a third of the client's sending work. The masking keys here come
 * from the calling thread's buffered DRBG ({@link SecureBytes}, §5.3: a strong source of entropy).
 */
final class ClientFrames {
    private ClientFrames() {
    }

    /** One final text frame holding {@code text}, masked; array-backed from offset 0 up to its limit. */
    static ByteBuffer text(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        int length = payload.length;
        int lengthBytes = length <= 125 ? 0 : length <= 0xFFFF ? 2 : 8;
        byte[] frame = new byte[2 + lengthBytes + 4 + length];
        frame[0] = (byte) 0x81; // FIN, opcode 1 (text)
        if (lengthBytes == 0) {
            frame[1] = (byte) (0x80 | length);
        } else if (lengthBytes == 2) {
            frame[1] = (byte) (0x80 | 126);
            frame[2] = (byte) (length >>> 8);
            frame[3] = (byte) length;
        } else {
            frame[1] = (byte) (0x80 | 127);
            for (int i = 0; i < 8; i++) {
                frame[2 + i] = (byte) ((long) length >>> (56 - 8 * i));
            }
        }
        int keyAt = 2 + lengthBytes;
        SecureBytes.next(frame, keyAt, 4);
        int payloadAt = keyAt + 4;
        for (int i = 0; i < length; i++) {
            frame[payloadAt + i] = (byte) (payload[i] ^ frame[keyAt + (i & 3)]);
        }
        return ByteBuffer.wrap(frame);
    }
}
