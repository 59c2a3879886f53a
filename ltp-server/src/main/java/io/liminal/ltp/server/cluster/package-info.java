/**
 * Several server nodes acting as one LTP service: the {@link io.liminal.ltp.server.cluster.ClusterBus} SPI that
 * carries messages between nodes and records which node holds which thread. The Redis implementation lives in
 * {@code ltp-redis}; docs/cluster.md explains the topology and its guarantees.
 */
package io.liminal.ltp.server.cluster;
