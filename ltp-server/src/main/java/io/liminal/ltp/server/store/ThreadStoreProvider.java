package io.liminal.ltp.server.store;

/**
 * Creates a {@link ThreadStore} from a configuration string such as {@code LTP_STORE=redis://host:6379}. Store
 * modules register implementations with {@link java.util.ServiceLoader} (in
 * {@code META-INF/services/io.liminal.ltp.server.store.ThreadStoreProvider}); the standalone runner asks each in
 * turn.
 */
public interface ThreadStoreProvider {

    /** Whether this provider understands {@code spec} (for example by its scheme). */
    boolean supports(String spec);

    /**
     * Creates the store.
     *
     * @throws IllegalArgumentException when {@code spec} is malformed, naming what is wrong
     */
    ThreadStore create(String spec);

    /**
     * Creates the store for a server that keeps threads {@code threadTtl} after their last activity; stores that
     * expire entries themselves (Redis) use it. By default the same as {@link #create(String)}.
     */
    default ThreadStore create(String spec, java.time.Duration threadTtl) {
        return create(spec);
    }

    /** The forms of {@code spec} this provider understands, for help and error messages. */
    String description();

    /**
     * The store {@code spec} names: {@code memory}, or whatever a provider on the class path understands.
     *
     * @param threadTtl how long threads stay resumable, for stores that expire entries themselves
     * @throws IllegalArgumentException when no provider understands {@code spec} (naming those known) or the
     *     provider found it malformed
     */
    static ThreadStore load(String spec, java.time.Duration threadTtl) {
        java.util.Objects.requireNonNull(spec, "spec");
        if ("memory".equals(spec)) {
            return new InMemoryThreadStore();
        }
        java.util.List<String> known = new java.util.ArrayList<>();
        known.add("memory");
        for (ThreadStoreProvider provider : java.util.ServiceLoader.load(ThreadStoreProvider.class)) {
            known.add(provider.description());
            if (provider.supports(spec)) {
                return provider.create(spec, threadTtl);
            }
        }
        throw new IllegalArgumentException("no store on the class path understands it; known: "
                + String.join(", ", known));
    }
}
