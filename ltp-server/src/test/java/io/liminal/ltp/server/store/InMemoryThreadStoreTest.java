package io.liminal.ltp.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class InMemoryThreadStoreTest extends ThreadStoreContract {
    @Override
    protected ThreadStore newStore() {
        return new InMemoryThreadStore();
    }

    @Test
    @DisplayName("ids that are not canonical UUIDs are kept as strings, and differ from their canonical forms")
    void nonCanonicalIds() {
        String canonical = UUID.randomUUID().toString();
        String upper = canonical.toUpperCase(Locale.ROOT);
        String[] ids = {canonical, upper, "thread-1", canonical.replace('-', '_'), canonical.substring(1) + "g", ""};
        for (String id : ids) {
            store.create(ThreadRecord.create(id, "client-of-" + id, null, T0));
        }
        for (String id : ids) {
            assertThat(store.find(id).orElseThrow()).extracting(ThreadRecord::threadId, ThreadRecord::clientId)
                    .containsExactly(id, "client-of-" + id);
        }
        assertThat(store.count()).isEqualTo(ids.length);
        store.delete(upper);
        assertThat(store.find(upper)).isEmpty();
        assertThat(store.find(canonical)).isPresent();
    }

    @Test
    @DisplayName("a canonical id becomes a UUID key that prints back to the same string; others stay strings")
    void keys() {
        String id = "0f1e2d3c-4b5a-4697-8877-66554433aa21";
        assertThat(InMemoryThreadStore.key(id)).isEqualTo(UUID.fromString(id));
        assertThat(InMemoryThreadStore.key(id).toString()).isEqualTo(id);
        assertThat(InMemoryThreadStore.key(id.toUpperCase(Locale.ROOT))).isInstanceOf(String.class);
        assertThat(InMemoryThreadStore.key("0f1e2d3c-4b5a-4697-8877+66554433aa21")).isInstanceOf(String.class);
    }

    @Test
    @DisplayName("times keep their nanoseconds, and eviction compares them exactly")
    void nanosecondTimes() {
        Instant created = Instant.parse("2026-11-22T10:00:00.123456789Z");
        ThreadRecord record = ThreadRecord.create(UUID.randomUUID().toString(), "c", "alice", created);
        store.create(record);
        assertThat(store.find(record.threadId())).contains(record);
        assertThat(store.evictIdleBefore(created)).isZero();
        assertThat(store.evictIdleBefore(created.plusNanos(1))).isEqualTo(1);
    }

    @Test
    @DisplayName("changing a record's affect after storing it does not change the stored thread")
    void affectIsCopied() {
        JsonObject affect = new JsonObject();
        affect.addProperty("valence", 0.5);
        ThreadRecord record = new ThreadRecord(UUID.randomUUID().toString(), "c", null, T0, T0, "tag", affect);
        store.create(record);
        record.affect().getAsJsonObject().addProperty("valence", -1);
        store.find(record.threadId()).orElseThrow().affect().getAsJsonObject().addProperty("arousal", 1);
        assertThat(store.find(record.threadId()).orElseThrow().affect()).isEqualTo(affect);
    }

    @Test
    @DisplayName("every field survives packing: absent ones, non-ASCII text and affect JSON as written")
    void packedFieldsRoundTrip() {
        JsonObject affect = JsonParser.parseString(
                "{\"mood\":\"gr\u00fcn \\\"\u2603\\\"\",\"big\":12345678901234567890.5,\"list\":[1,null,true]}")
                .getAsJsonObject();
        Instant active = T0.plusSeconds(90).plusNanos(7);
        ThreadRecord full = new ThreadRecord("thread-\u00e9", "client-\ud83d\ude00", "alice@example.com", T0, active,
                "tag-\u00df", affect);
        ThreadRecord bare = new ThreadRecord(UUID.randomUUID().toString(), "", null, T0, T0, null, null);
        store.create(full);
        store.create(bare);
        assertThat(store.find(full.threadId())).contains(full);
        assertThat(store.find(bare.threadId())).contains(bare);
        assertThat(store.find(full.threadId()).orElseThrow().affect().getAsJsonObject().get("big").getAsBigDecimal())
                .isEqualTo(new BigDecimal("12345678901234567890.5"));

        store.update(bare.withActivity(active, "later", affect));
        assertThat(store.find(bare.threadId())).contains(new ThreadRecord(bare.threadId(), "", null, T0, active,
                "later", affect));
    }
}
