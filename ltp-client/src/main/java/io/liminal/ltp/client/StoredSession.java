package io.liminal.ltp.client;

import java.util.Objects;

/**
 * The ids a client keeps between connections and process restarts (LTP-HS-013).
 *
 * @param threadId the thread to resume
 * @param sessionId the last session, or {@code null}
 */
public record StoredSession(String threadId, String sessionId) {
    /** Validates the components. */
    public StoredSession {
        Objects.requireNonNull(threadId, "threadId");
    }
}
