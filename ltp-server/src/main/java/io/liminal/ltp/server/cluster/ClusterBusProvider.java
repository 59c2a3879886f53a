package io.liminal.ltp.server.cluster;

/**
 * Creates a {@link ClusterBus} from a configuration string such as {@code LTP_CLUSTER=redis://host:6379}. Bus
 * modules register implementations with {@link java.util.ServiceLoader} (in
 * {@code META-INF/services/io.liminal.ltp.server.cluster.ClusterBusProvider}); the standalone runner asks each in
 * turn.
 */
public interface ClusterBusProvider {

    /** Whether this provider understands {@code spec} (for example by its scheme). */
    boolean supports(String spec);

    /**
     * Creates the bus, not started.
     *
     * @throws IllegalArgumentException when {@code spec} is malformed, naming what is wrong
     */
    ClusterBus create(String spec);

    /** The forms of {@code spec} this provider understands, for help and error messages. */
    String description();

    /**
     * The bus {@code spec} names, from the providers on the class path (ltp-redis: {@code redis://},
     * {@code redis-cluster://}).
     *
     * @throws IllegalArgumentException when no provider understands {@code spec} (naming those known) or the
     *     provider found it malformed
     */
    static ClusterBus load(String spec) {
        java.util.Objects.requireNonNull(spec, "spec");
        java.util.List<String> known = new java.util.ArrayList<>();
        for (ClusterBusProvider provider : java.util.ServiceLoader.load(ClusterBusProvider.class)) {
            known.add(provider.description());
            if (provider.supports(spec)) {
                return provider.create(spec);
            }
        }
        throw new IllegalArgumentException("no cluster bus on the class path understands it"
                + (known.isEmpty() ? " (add ltp-redis)" : "; known: " + String.join(", ", known)));
    }
}
