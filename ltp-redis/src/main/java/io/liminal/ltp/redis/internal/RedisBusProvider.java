package io.liminal.ltp.redis.internal;

import io.liminal.ltp.redis.RedisBus;
import io.liminal.ltp.server.cluster.ClusterBus;
import io.liminal.ltp.server.cluster.ClusterBusProvider;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code LTP_CLUSTER=redis://[password@]host[:port][/database]} (one Redis server), or
 * {@code redis-cluster://[password@]host:port,host:port,...} (a Redis Cluster, through any of its seed nodes);
 * {@code rediss://} and {@code rediss-cluster://} for TLS.
 */
public final class RedisBusProvider implements ClusterBusProvider {
    private static final String CLUSTER = "redis-cluster://";
    private static final String CLUSTER_TLS = "rediss-cluster://";

    @Override
    public boolean supports(String spec) {
        return spec.startsWith("redis://") || spec.startsWith("rediss://") || spec.startsWith(CLUSTER)
                || spec.startsWith(CLUSTER_TLS);
    }

    @Override
    public ClusterBus create(String spec) {
        if (spec.startsWith(CLUSTER) || spec.startsWith(CLUSTER_TLS)) {
            return RedisBus.clusterBuilder(seeds(spec)).build();
        }
        return RedisBus.builder(spec).build();
    }

    /** {@code redis-cluster://secret@h1:1,h2:2} becomes {@code redis://secret@h1:1} and {@code redis://secret@h2:2}. */
    static List<String> seeds(String spec) {
        boolean tls = spec.startsWith(CLUSTER_TLS);
        String rest = spec.substring(tls ? CLUSTER_TLS.length() : CLUSTER.length());
        int at = rest.lastIndexOf('@');
        String credentials = at < 0 ? "" : rest.substring(0, at + 1);
        String hosts = at < 0 ? rest : rest.substring(at + 1);
        List<String> seeds = new ArrayList<>();
        for (String host : hosts.split(",")) {
            if (host.isBlank()) {
                throw new IllegalArgumentException("An empty seed node in a redis-cluster:// list");
            }
            seeds.add((tls ? "rediss://" : "redis://") + credentials + host.strip());
        }
        return seeds;
    }

    @Override
    public String description() {
        return "redis://HOST:PORT or redis-cluster://HOST:PORT,HOST:PORT,...";
    }
}
