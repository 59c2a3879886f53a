package io.liminal.ltp.core.security;

import io.liminal.ltp.core.internal.security.SecureBytes;
import java.util.UUID;

/**
 * Unguessable identifiers: random (version 4) UUIDs from the calling thread's own CSPRNG. Same strength as
 * {@link UUID#randomUUID()}, without its process-wide lock, which shows up when thousands of handshakes a second
 * each need a thread and a session id.
 */
public final class RandomIds {
    private RandomIds() {
    }

    /** A new random UUID v4 in canonical lower-case form. */
    public static String uuid() {
        long high = (SecureBytes.nextLong() & 0xFFFFFFFFFFFF0FFFL) | 0x0000000000004000L;
        long low = (SecureBytes.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }
}
