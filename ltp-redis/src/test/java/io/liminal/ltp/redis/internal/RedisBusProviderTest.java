package io.liminal.ltp.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The LTP_CLUSTER forms the Redis bus understands. */
class RedisBusProviderTest {
    private final RedisBusProvider provider = new RedisBusProvider();

    @Test
    void clusterSeedsKeepCredentialsAndTls() {
        assertThat(RedisBusProvider.seeds("redis-cluster://s3cret@10.0.0.1:7000, 10.0.0.2:7001"))
                .containsExactly("redis://s3cret@10.0.0.1:7000", "redis://s3cret@10.0.0.2:7001");
        assertThat(RedisBusProvider.seeds("rediss-cluster://10.0.0.1:7000"))
                .containsExactly("rediss://10.0.0.1:7000");
    }

    @Test
    void everyFormIsSupportedAndOthersAreNot() {
        assertThat(provider.supports("redis://h:1")).isTrue();
        assertThat(provider.supports("rediss://h:1")).isTrue();
        assertThat(provider.supports("redis-cluster://h:1,h:2")).isTrue();
        assertThat(provider.supports("rediss-cluster://h:1")).isTrue();
        assertThat(provider.supports("nats://h:1")).isFalse();
    }

    @Test
    void emptySeedIsRefused() {
        assertThatThrownBy(() -> provider.create("redis-cluster://h:1,,h:2"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty seed");
    }
}
