package io.liminal.ltp.client.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * Renders the client's text messages as masked WebSocket frames (RFC 6455 §5.2–5.3), one frame per message.
 *
 * <p>Java-WebSocket 1.6.0 builds every frame it writes into a {@code String} for a trace log line that is never
 * printed, validates UTF-8 the JDK has just encoded, and takes each masking key from a shared {@code SecureRandom};
 * under a stream of small sends that was about a third of the client's sending work. The masking keys here come
 * from the connection's own DRBG through a buffer. Not thread-safe: one instance per connection, used from its lane.
 */
final class ClientFrames {
    private static final int KEY_BUFFER_BYTES = 1024;

    private final SecureRandom random;
    private final byte[] keys = new byte[KEY_BUFFER_BYTES];
    private int keyPosition = KEY_BUFFER_BYTES;

    ClientFrames() {
        SecureRandom drbg;
        try {
            drbg = SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            drbg = new SecureRandom();
        }
        this.random = drbg;
    }

    /** One final text frame holding {@code text}, masked; array-backed from offset 0 up to its limit. */
    ByteBuffer text(String text) {
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
        nextKey(frame, keyAt);
        int payloadAt = keyAt + 4;
        for (int i = 0; i < length; i++) {
            frame[payloadAt + i] = (byte) (payload[i] ^ frame[keyAt + (i & 3)]);
        }
        return ByteBuffer.wrap(frame);
    }

    /** Four unpredictable bytes (§5.3: from a strong source of entropy) into {@code frame[at, at + 4)}. */
    private void nextKey(byte[] frame, int at) {
        if (keyPosition > KEY_BUFFER_BYTES - 4) {
            random.nextBytes(keys);
            keyPosition = 0;
        }
        System.arraycopy(keys, keyPosition, frame, at, 4);
        keyPosition += 4;
    }
}
