package io.liminal.ltp.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.liminal.ltp.server.store.DeliveryRetention;
import io.liminal.ltp.server.store.DeliveryStore.Commit;
import io.liminal.ltp.server.store.DeliveryStore.InboundCursor;
import io.liminal.ltp.server.store.DeliveryStore.LogBounds;
import io.liminal.ltp.server.store.DeliveryStore.LoggedMessage;
import io.liminal.ltp.server.store.DeliveryStore.Outbound;
import io.liminal.ltp.server.store.DeliveryStore.Processed;
import io.liminal.ltp.server.store.DeliveryStoreContract;
import io.liminal.ltp.server.store.ThreadRecord;
import io.liminal.ltp.server.store.ThreadStore;
import io.liminal.ltp.server.store.ThreadStoreContract;
import io.liminal.ltp.server.store.ThreadStoreProvider;
import io.liminal.ltp.testing.FakeClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The store contracts against the Redis on 127.0.0.1:6379, each store under a key prefix of its own. */
class RedisStoreTest {
    static final String URI = System.getenv().getOrDefault("LTP_TEST_REDIS_URL", "redis://127.0.0.1:6379");
    static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    private static final List<String> PREFIXES = new ArrayList<>();

    static RedisThreadStore newStore(Clock clock, Duration ttl) {
        String prefix = "ltp-test-" + UUID.randomUUID() + ":";
        PREFIXES.add(prefix);
        return RedisThreadStore.builder(URI).keyPrefix(prefix).clock(clock).threadTtl(ttl).build();
    }

    /** Stores whose clock stands at the contracts' T0, so their fixed times are "now" whatever the date. */
    static RedisThreadStore atT0() {
        return newStore(Clock.fixed(T0, ZoneOffset.UTC), Duration.ofHours(2));
    }

    @AfterAll
    static void deleteKeys() {
        RedisClient client = RedisClient.create(URI);
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            for (String prefix : PREFIXES) {
                ScanIterator<String> keys = ScanIterator.scan(connection.sync(), ScanArgs.Builder.matches(prefix + "*"));
                while (keys.hasNext()) {
                    connection.sync().del(keys.next());
                }
            }
        } finally {
            client.shutdown();
        }
    }

    @Nested
    class Threads extends ThreadStoreContract {
        @Override
        protected ThreadStore newStore() {
            return atT0();
        }

        @Override
        protected boolean evictsByItself() {
            return true;
        }
    }

    @Nested
    class Delivery extends DeliveryStoreContract {
        @Override
        protected ThreadStore newStore() {
            return atT0();
        }
    }

    @Test
    @DisplayName("Redis expires an idle thread by itself, with its log and cursors; activity pushes expiry out")
    void redisExpiresIdleThreads() throws Exception {
        FakeClock clock = new FakeClock(Instant.now());
        try (RedisThreadStore store = newStore(clock, Duration.ofMillis(1500))) {
            Instant now = clock.instant();
            ThreadRecord idle = ThreadRecord.create("idle", "c", null, now);
            ThreadRecord busy = ThreadRecord.create("busy", "c", null, now);
            store.create(idle);
            store.create(busy);
            store.appendOutbound("idle", "{}", null, now, DeliveryRetention.DEFAULT);
            store.commit("idle", List.of(), new Processed("instance", 3, "run-1"), now, DeliveryRetention.DEFAULT);
            // Activity 5 s "later" on the store's clock: Redis now keeps it 6.5 s, the idle one 1.5 s.
            store.update(busy.withActivity(now.plusSeconds(5), null, null));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (store.find("idle").isPresent() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(store.find("idle")).isEmpty();
            assertThat(store.outboundAfter("idle", 0, 10)).isEmpty();
            assertThat(store.inboundCursor("idle", "instance")).isEqualTo(InboundCursor.NONE);
            assertThat(store.find("busy")).isPresent();
        }
    }

    @Test
    @DisplayName("a position written before process ids were kept reads with an unknown writer")
    void positionWithoutWriter() {
        withRawRedis((store, raw, prefix) -> {
            store.create(ThreadRecord.create("t", "c", null, Instant.now()));
            raw.hset(prefix + "{t}:in", "old-instance", "12");
            assertThat(store.inboundCursor("t", "old-instance")).isEqualTo(new InboundCursor(12, null));
            store.commit("t", List.of(), new Processed("old-instance", 13, "run-1"), Instant.now(),
                    DeliveryRetention.DEFAULT);
            assertThat(store.inboundCursor("t", "old-instance")).isEqualTo(new InboundCursor(13, "run-1"));
        });
    }

    @Test
    @DisplayName("a log whose entries are JSON objects (written before 0.2) is read, trimmed and continued")
    void logOfTheEarlierFormat() {
        withRawRedis((store, raw, prefix) -> {
            store.create(ThreadRecord.create("t", "c", null, T0));
            raw.rpush(prefix + "{t}:out",
                    "{\"s\":1,\"a\":" + T0.toEpochMilli() + ",\"z\":7,\"m\":\"{\\\"a\\\":1}\"}",
                    "{\"s\":2,\"a\":" + T0.toEpochMilli() + ",\"z\":7,\"t\":\"i-1\",\"m\":\"{\\\"b\\\":2}\"}");
            raw.hset(prefix + "{t}:thread", Map.of("out_seq", "2", "out_bytes", "14", "out_first", "1",
                    "delivery", "1"));

            Instant later = T0.plusSeconds(1);
            long first = store.commit("t", List.of(new Outbound("h\u00e9 \"x\"\nline", "inst ance")), null, later,
                    new DeliveryRetention(2, 1_000_000, Duration.ofDays(1)));

            assertThat(first).isEqualTo(3);
            assertThat(store.outboundBounds("t")).isEqualTo(new LogBounds(2, 3));
            assertThat(store.outboundAfter("t", 0, 10)).containsExactly(
                    new LoggedMessage(2, "{\"b\":2}", "i-1", T0),
                    new LoggedMessage(3, "h\u00e9 \"x\"\nline", "inst ance", later));
        });
    }

    /** What a test does with a store under a fresh prefix and a raw connection to the same Redis. */
    private interface RawRedisTest {
        void run(RedisThreadStore store, RedisCommands<String, String> raw, String prefix);
    }

    private static void withRawRedis(RawRedisTest test) {
        String prefix = "ltp-test-" + UUID.randomUUID() + ":";
        PREFIXES.add(prefix);
        RedisClient client = RedisClient.create(URI);
        try (RedisThreadStore store = RedisThreadStore.builder(URI).keyPrefix(prefix).build();
             StatefulRedisConnection<String, String> raw = client.connect()) {
            test.run(store, raw.sync(), prefix);
        } finally {
            client.shutdown();
        }
    }

    @Test
    @DisplayName("the provider is found through ServiceLoader and passes the server's thread TTL on")
    void provider() {
        ThreadStoreProvider provider = ServiceLoader.load(ThreadStoreProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(p -> p.supports("redis://h:1")).findFirst().orElseThrow();
        assertThat(provider.supports("rediss://h:1")).isTrue();
        assertThat(provider.supports("sqlite:/x")).isFalse();
        try (ThreadStore store = provider.create(URI, Duration.ofMinutes(5))) {
            assertThat(store.toString()).contains("PT5M");
        }
    }

    @Test
    @DisplayName("a group commit still lands when Redis forgot its scripts (SCRIPT FLUSH): NOSCRIPT is run again")
    void groupCommitAfterScriptFlush() {
        try (RedisThreadStore store = atT0()) {
            store.create(ThreadRecord.create("t-1", "client-1", null, T0));
            store.create(ThreadRecord.create("t-2", "client-1", null, T0));
            RedisClient client = RedisClient.create(URI);
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                connection.sync().scriptFlush();
            } finally {
                client.shutdown();
            }
            long[] firsts = store.commitAll(List.of(
                    new Commit("t-1", List.of(new Outbound("{\"r\":1}", "a")), new Processed("a", 1, "run-1"), T0,
                            DeliveryRetention.DEFAULT),
                    new Commit("t-2", List.of(new Outbound("{\"r\":2}", null)), new Processed("b", 4, "run-1"), T0,
                            DeliveryRetention.DEFAULT)));
            assertThat(firsts).containsExactly(1, 1);
            assertThat(store.inboundCursor("t-1", "a")).isEqualTo(new InboundCursor(1, "run-1"));
            assertThat(store.inboundCursor("t-2", "b")).isEqualTo(new InboundCursor(4, "run-1"));
            assertThat(store.outboundAfter("t-2", 0, 10)).hasSize(1);
        }
    }
}
