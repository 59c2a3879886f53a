package io.liminal.ltp.server.internal.engine;

import io.liminal.ltp.server.cluster.ClusterBus;
import java.time.Duration;

/**
 * How this node joins a cluster.
 *
 * @param bus the bus the nodes share
 * @param nodeId this node's id, unique in the cluster
 * @param replyTimeout how long a cross-node push waits for the nodes that received it to answer
 */
public record ClusterSettings(ClusterBus bus, String nodeId, Duration replyTimeout) {
}
