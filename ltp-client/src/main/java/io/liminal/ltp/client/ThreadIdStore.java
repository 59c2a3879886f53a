package io.liminal.ltp.client;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * Where a client keeps its thread and session ids, keyed by client id (spec §8 uses the keys
 * {@code ltp_thread_id:<client_id>} and {@code ltp_session_id:<client_id>}), and the client id it generated for
 * itself when none was configured. Implementations must be thread-safe.
 */
public interface ThreadIdStore {

    /** The stored ids of {@code clientId}. */
    Optional<StoredSession> load(String clientId);

    /** Stores the ids of the last ack. */
    void save(String clientId, StoredSession session);

    /** Forgets the ids (the thread is gone). */
    void clear(String clientId);

    /**
     * The client id stored under {@code scope}, or a new one from {@code generator}, stored before it is returned.
     * A client without a configured id uses this, so a restarted process resumes its thread.
     */
    String clientId(String scope, Supplier<String> generator);

    /**
     * Under the delivery extension: the highest number of the thread's server messages the application processed
     * (0 when unknown). Kept so that a restarted client is not sent them again.
     */
    default long deliveryCursor(String clientId, String threadId) {
        return 0;
    }

    /** Keeps {@link #deliveryCursor}; called a few times a second at most. */
    default void saveDeliveryCursor(String clientId, String threadId, long seq) {
    }
}
