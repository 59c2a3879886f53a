package io.liminal.ltp.redis.internal;

import io.liminal.ltp.redis.RedisThreadStore;
import io.liminal.ltp.server.store.ThreadStore;
import io.liminal.ltp.server.store.ThreadStoreProvider;
import java.time.Duration;

/** {@code LTP_STORE=redis://[password@]host[:port][/database]} (or {@code rediss://} for TLS). */
public final class RedisThreadStoreProvider implements ThreadStoreProvider {

    @Override
    public boolean supports(String spec) {
        return spec.startsWith("redis://") || spec.startsWith("rediss://");
    }

    @Override
    public ThreadStore create(String spec) {
        return RedisThreadStore.builder(spec).build();
    }

    @Override
    public ThreadStore create(String spec, Duration threadTtl) {
        return RedisThreadStore.builder(spec).threadTtl(threadTtl).build();
    }

    @Override
    public String description() {
        return "redis://HOST:PORT";
    }
}
