package io.liminal.ltp.redis.internal;

import io.liminal.ltp.redis.RedisBus;
import io.liminal.ltp.server.cluster.ClusterBus;
import io.liminal.ltp.server.cluster.ClusterBusProvider;

/** {@code LTP_CLUSTER=redis://[password@]host[:port][/database]} (or {@code rediss://} for TLS). */
public final class RedisBusProvider implements ClusterBusProvider {

    @Override
    public boolean supports(String spec) {
        return spec.startsWith("redis://") || spec.startsWith("rediss://");
    }

    @Override
    public ClusterBus create(String spec) {
        return RedisBus.builder(spec).build();
    }

    @Override
    public String description() {
        return "redis://HOST:PORT";
    }
}
