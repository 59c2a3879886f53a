package io.liminal.ltp.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonParser;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ThreadStore} must have. Extend it and return a fresh, empty store from
 * {@link #newStore()}; stores whose backend expires entries by itself override
 * {@link #evictsByItself()}.
 */
public abstract class ThreadStoreContract {
    /** A fixed time, so records compare equal after a round trip. */
    protected static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    /** The store under test. */
    protected ThreadStore store;

    /** A fresh, empty store. */
    protected abstract ThreadStore newStore() throws Exception;

    /** Whether the backend expires idle threads itself (then {@code evictIdleBefore} may return 0). */
    protected boolean evictsByItself() {
        return false;
    }

    @BeforeEach
    void openStore() throws Exception {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    protected static ThreadRecord thread(String clientId, Instant createdAt) {
        return ThreadRecord.create(UUID.randomUUID().toString(), clientId, null, createdAt);
    }

    @Test
    @DisplayName("a created thread is found with every field")
    void createAndFind() {
        ThreadRecord record = new ThreadRecord(UUID.randomUUID().toString(), "client-1", "alice", T0,
                T0.plusSeconds(5), "evening_reflection", JsonParser.parseString("{\"valence\":0.3,\"arousal\":-0.2}"));
        store.create(record);
        assertThat(store.find(record.threadId())).contains(record);
        assertThat(store.find("no-such-thread")).isEmpty();
        assertThat(store.count()).isEqualTo(1);
    }

    /** Ids a server accepts (storable: no lone surrogate, no control character) that stress a store's encoding. */
    public static final String[] ODD_IDS = {"é-combining-e\u0301", "😀-emoji-🧵", "中文-한국어-日本語",
            "עברית-rtl-\u202bmark", "quote\"back\\slash'", "zero\u200bwidth", "\ufeffbom", "ß-Ω-∑", "x".repeat(256)};

    /** A thread id made from an odd id: thread ids are at most 64 characters (servers mint 36). */
    public static String threadIdFor(String id) {
        String thread = "t-" + id;
        return thread.length() <= 64 ? thread : thread.substring(0, 64);
    }

    @Test
    @DisplayName("odd Unicode in thread ids, client ids and principals is kept exactly; similar ids stay apart")
    void oddUnicodeIds() {
        for (String id : ODD_IDS) {
            ThreadRecord record = new ThreadRecord(threadIdFor(id), "c-" + id, "p-" + id, T0, T0, "tag-" + id, null);
            store.create(record);
            assertThat(store.find(threadIdFor(id))).as(id).contains(record);
        }
        assertThat(store.find("t-é-combining-é")).as("precomposed é is another id").isEmpty();
        assertThat(store.count()).isEqualTo(ODD_IDS.length);
    }

    @Test
    @DisplayName("creating a thread id twice fails")
    void duplicateCreate() {
        ThreadRecord record = thread("c", T0);
        store.create(record);
        assertThatThrownBy(() -> store.create(record)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    @DisplayName("update replaces activity and context, keeps owner and creation time")
    void update() {
        ThreadRecord record = thread("c", T0);
        store.create(record);
        ThreadRecord updated = record.withActivity(T0.plusSeconds(60), "focus_session",
                JsonParser.parseString("{\"valence\":1}"));
        store.update(updated);
        ThreadRecord found = store.find(record.threadId()).orElseThrow();
        assertThat(found.lastActiveAt()).isEqualTo(T0.plusSeconds(60));
        assertThat(found.contextTag()).isEqualTo("focus_session");
        assertThat(found.affect()).isEqualTo(JsonParser.parseString("{\"valence\":1}"));
        assertThat(found.clientId()).isEqualTo("c");
        assertThat(found.createdAt()).isEqualTo(T0);
    }

    @Test
    @DisplayName("updating or deleting a missing thread does nothing")
    void updateMissing() {
        store.update(thread("c", T0));
        store.delete("missing");
        assertThat(store.count()).isZero();
    }

    @Test
    @DisplayName("delete removes a thread")
    void delete() {
        ThreadRecord record = thread("c", T0);
        store.create(record);
        store.delete(record.threadId());
        assertThat(store.find(record.threadId())).isEmpty();
    }

    @Test
    @DisplayName("evictIdleBefore removes exactly the threads idle since before the cutoff")
    void evict() {
        ThreadRecord old = thread("c", T0);
        ThreadRecord fresh = thread("c", T0.plusSeconds(3600));
        store.create(old);
        store.create(fresh);
        int evicted = store.evictIdleBefore(T0.plusSeconds(1800));
        if (!evictsByItself()) {
            assertThat(evicted).isEqualTo(1);
            assertThat(store.find(old.threadId())).isEmpty();
        }
        assertThat(store.find(fresh.threadId())).isPresent();
    }

    @Test
    @DisplayName("concurrent creates and updates from many threads are all kept")
    void concurrency() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int n = i;
                futures.add(pool.submit(() -> {
                    start.await();
                    ThreadRecord record = thread("client-" + (n % 10), T0);
                    store.create(record);
                    store.update(record.withActivity(T0.plusSeconds(n), "tag-" + n, null));
                    return record.threadId();
                }));
            }
            start.countDown();
            for (int i = 0; i < futures.size(); i++) {
                String id = futures.get(i).get(30, TimeUnit.SECONDS);
                assertThat(store.find(id).orElseThrow().contextTag()).isEqualTo("tag-" + i);
            }
            assertThat(store.count()).isEqualTo(200);
        } finally {
            pool.shutdownNow();
        }
    }
}
