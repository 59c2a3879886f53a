package io.liminal.ltp.server.store;

import java.time.Instant;
import java.util.Optional;

/**
 * Where threads live between connections. The server keeps what changes often (activity, context) in memory
 * while a thread has live connections and writes it back through {@link #update(ThreadRecord)} when the last
 * connection closes, on every sweep, and at shutdown; so a store sees a few writes per thread per minute, not one
 * per message.
 *
 * <p>Implementations must be thread-safe. Methods may block (JDBC, network) unless {@link #isBlocking()} says
 * otherwise: the server calls blocking stores from its own executor, never from an I/O thread.
 * {@code ThreadStoreContract} in the test sources of {@code ltp-server} is the suite every implementation must
 * pass.
 */
public interface ThreadStore extends AutoCloseable {

    /**
     * Stores a new thread.
     *
     * @throws IllegalStateException when a thread with that id exists
     */
    void create(ThreadRecord thread);

    /** The thread with that id, if stored and not evicted. */
    Optional<ThreadRecord> find(String threadId);

    /**
     * Replaces a stored thread's mutable fields ({@code lastActiveAt}, {@code contextTag}, {@code affect}) and, for
     * stores with native expiry, pushes its expiry out. Does nothing when the thread is gone.
     */
    void update(ThreadRecord thread);

    /** Deletes a thread; does nothing when it is gone. */
    void delete(String threadId);

    /**
     * Deletes every thread whose {@code lastActiveAt} is before {@code cutoff}.
     *
     * @return how many were deleted (stores whose backend expires entries by itself may return 0)
     */
    int evictIdleBefore(Instant cutoff);

    /** How many threads are stored. */
    long count();

    /**
     * Checks that the store works, by a cheap real operation; throws what the store throws when it does not. The
     * server calls it every few seconds and reports the result in {@code /ready} and {@code /health}. The default
     * counts threads.
     */
    default void checkHealth() {
        count();
    }

    /** Whether calls may block the calling thread (default {@code true}). */
    default boolean isBlocking() {
        return true;
    }

    /** Releases the store's resources. */
    @Override
    default void close() {
    }
}
