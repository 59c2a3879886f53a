package io.liminal.ltp.server.cluster;

import java.util.Objects;

/**
 * A node of a cluster as its presence entry shows it.
 *
 * @param id the node id, unique in the cluster ({@code LTP_NODE_ID})
 * @param address where it serves WebSocket, as it announces it ({@code host:port}), for operators
 * @param startedAtMillis when it joined (epoch milliseconds)
 */
public record ClusterNode(String id, String address, long startedAtMillis) {
    /** Validates. */
    public ClusterNode {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        if (id.isEmpty() || id.length() > 128) {
            throw new IllegalArgumentException("node id must have 1 to 128 characters");
        }
    }
}
