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
}
