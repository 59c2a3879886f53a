package io.liminal.ltp.server.store;

import com.google.gson.JsonElement;
import java.time.Instant;
import java.util.Objects;

/**
 * What the server keeps about a thread between connections.
 *
 * @param threadId the thread id (UUID v4 minted by the server)
 * @param clientId the owner's client id; only it may resume the thread
 * @param principal the authenticated principal that created it, or {@code null} when authentication was off
 * @param createdAt when the thread was created
 * @param lastActiveAt last handshake or valid envelope on the thread
 * @param contextTag the last {@code meta.context_tag} seen, or {@code null}
 * @param affect the last {@code meta.affect} seen, as received, or {@code null}
 */
public record ThreadRecord(String threadId, String clientId, String principal, Instant createdAt,
        Instant lastActiveAt, String contextTag, JsonElement affect) {

    /** Validates the components. */
    public ThreadRecord {
        Objects.requireNonNull(threadId, "threadId");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(lastActiveAt, "lastActiveAt");
        affect = affect == null ? null : affect.deepCopy();
    }

    /** A new thread record with no context yet. */
    public static ThreadRecord create(String threadId, String clientId, String principal, Instant now) {
        return new ThreadRecord(threadId, clientId, principal, now, now, null, null);
    }

    /** A copy with another activity time and context. */
    public ThreadRecord withActivity(Instant newLastActiveAt, String newContextTag, JsonElement newAffect) {
        return new ThreadRecord(threadId, clientId, principal, createdAt, newLastActiveAt, newContextTag, newAffect);
    }
}
