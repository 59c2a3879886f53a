package io.liminal.ltp.core.internal.security;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * CSPRNG bytes without contention: each thread draws from its own DRBG through a 4 KiB buffer, so a nonce, an id or
 * a WebSocket masking key costs a few array reads instead of a synchronized call into a shared {@code SecureRandom}.
 */
public final class SecureBytes {
    private static final int BUFFER_SIZE = 4096;
    private static final ThreadLocal<SecureBytes> PER_THREAD = ThreadLocal.withInitial(SecureBytes::new);

    private final SecureRandom random;
    private final byte[] buffer = new byte[BUFFER_SIZE];
    private int position = BUFFER_SIZE;

    private SecureBytes() {
        SecureRandom drbg;
        try {
            drbg = SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            drbg = new SecureRandom();
        }
        this.random = drbg;
    }

    /** 64 CSPRNG bits on the calling thread. */
    public static long nextLong() {
        return PER_THREAD.get().takeLong();
    }

    private long takeLong() {
        if (position > BUFFER_SIZE - Long.BYTES) {
            random.nextBytes(buffer);
            position = 0;
        }
        long value = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            value = (value << 8) | (buffer[position++] & 0xFF);
        }
        return value;
    }

    /** Fills {@code out[offset, offset + length)} with CSPRNG bytes on the calling thread. */
    public static void next(byte[] out, int offset, int length) {
        PER_THREAD.get().fill(out, offset, length);
    }

    private void fill(byte[] out, int offset, int length) {
        while (length > 0) {
            if (position == BUFFER_SIZE) {
                random.nextBytes(buffer);
                position = 0;
            }
            int chunk = Math.min(length, BUFFER_SIZE - position);
            System.arraycopy(buffer, position, out, offset, chunk);
            position += chunk;
            offset += chunk;
            length -= chunk;
        }
    }
}
