package io.liminal.ltp.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liminal.ltp.jdbc.internal.JdbcThreadStoreProvider;
import io.liminal.ltp.jdbc.internal.Schema;
import io.liminal.ltp.server.store.DeliveryRetention;
import io.liminal.ltp.server.store.DeliveryStore.InboundCursor;
import io.liminal.ltp.server.store.DeliveryStore.Processed;
import io.liminal.ltp.server.store.ThreadRecord;
import io.liminal.ltp.server.store.ThreadStore;
import io.liminal.ltp.server.store.ThreadStoreContract;
import io.liminal.ltp.server.store.ThreadStoreProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class JdbcThreadStoreTest {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    @Test
    @DisplayName("data survives closing and reopening the file (a server restart)")
    void reopenKeepsEverything() throws Exception {
        Path file = TestDatabases.sqliteFile();
        ThreadRecord thread = ThreadRecord.create("t-1", "client-1", "alice", T0);
        try (JdbcThreadStore store = JdbcThreadStore.sqlite(file)) {
            store.create(thread);
            store.openDelivery("t-1", "instance-a", "run-1", T0);
            store.appendOutbound("t-1", "{\"n\":1}", null, T0, DeliveryRetention.DEFAULT);
            store.commit("t-1", List.of(), new Processed("instance-a", 42, "run-1"), T0, DeliveryRetention.DEFAULT);
            store.recordCleanStop("run-1", T0);
        }
        try (JdbcThreadStore reopened = JdbcThreadStore.sqlite(file)) {
            assertThat(reopened.find("t-1")).contains(thread);
            assertThat(reopened.deliveryEnabled("t-1")).isTrue();
            assertThat(reopened.outboundAfter("t-1", 0, 10)).singleElement()
                    .satisfies(m -> assertThat(m.message()).isEqualTo("{\"n\":1}"));
            assertThat(reopened.appendOutbound("t-1", "{\"n\":2}", null, T0, DeliveryRetention.DEFAULT)).isEqualTo(2);
            assertThat(reopened.inboundCursor("t-1", "instance-a")).isEqualTo(new InboundCursor(42, "run-1"));
            assertThat(reopened.stoppedCleanly("run-1")).isTrue();
            assertThat(reopened.schemaVersion()).isEqualTo(Schema.latestVersion());
        }
    }

    @Test
    @DisplayName("odd Unicode ids survive a restart exactly, so no thread changes owner")
    void oddIdsSurviveRestart() throws Exception {
        Path file = TestDatabases.sqliteFile();
        try (JdbcThreadStore store = JdbcThreadStore.sqlite(file)) {
            for (String id : ThreadStoreContract.ODD_IDS) {
                store.create(ThreadRecord.create(ThreadStoreContract.threadIdFor(id), "c-" + id, null, T0));
            }
        }
        try (JdbcThreadStore reopened = JdbcThreadStore.sqlite(file)) {
            for (String id : ThreadStoreContract.ODD_IDS) {
                assertThat(reopened.find(ThreadStoreContract.threadIdFor(id))).as(id).hasValueSatisfying(
                        thread -> assertThat(thread.clientId()).isEqualTo("c-" + id));
            }
        }
    }

    @Test
    @DisplayName("an existing but empty database file is refused, not silently started as a new store")
    void emptyFileIsRefused() throws Exception {
        Path file = TestDatabases.sqliteFile();
        Files.createDirectories(file.getParent());
        Files.createFile(file);
        assertThatThrownBy(() -> JdbcThreadStore.sqlite(file)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("empty");
    }

    @Test
    @DisplayName("a clean close leaves every commit in the main file: a copy of threads.db alone is complete")
    void closeCheckpointsTheLog() throws Exception {
        Path file = TestDatabases.sqliteFile();
        try (JdbcThreadStore store = JdbcThreadStore.sqlite(file)) {
            store.create(ThreadRecord.create("t-1", "client-1", null, T0));
            store.appendOutbound("t-1", "{\"n\":1}", null, T0, DeliveryRetention.DEFAULT);
        }
        Path copy = file.resolveSibling("copy.db");
        Files.copy(file, copy);
        assertThat(copy.resolveSibling("copy.db-wal")).doesNotExist();
        try (JdbcThreadStore fromCopy = JdbcThreadStore.sqlite(copy)) {
            assertThat(fromCopy.find("t-1")).isPresent();
            assertThat(fromCopy.outboundBounds("t-1").last()).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("a SQLite store checkpoints its log on a thread of its own, which stops at close")
    void checkpointsOnAThreadOfItsOwn() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        Thread checkpoints;
        try (JdbcThreadStore store = JdbcThreadStore.sqlite(TestDatabases.sqliteFile())) {
            checkpoints = Thread.getAllStackTraces().keySet().stream()
                    .filter(thread -> thread.getName().equals("ltp-sqlite-checkpoint") && !before.contains(thread))
                    .findFirst().orElseThrow(() -> new AssertionError("no checkpoint thread"));
            assertThat(checkpoints.isDaemon()).isTrue();
        }
        checkpoints.join(10_000);
        assertThat(checkpoints.isAlive()).isFalse();
    }

    @Test
    @DisplayName("SQLite runs in WAL mode")
    void walMode() throws Exception {
        Path file = TestDatabases.sqliteFile();
        JdbcThreadStore.sqlite(file).close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = c.createStatement(); ResultSet mode = s.executeQuery("PRAGMA journal_mode")) {
            mode.next();
            assertThat(mode.getString(1)).isEqualToIgnoringCase("wal");
        }
    }

    @Test
    @DisplayName("migrations run once, recorded by version; starting again changes nothing")
    void migrationsAreIdempotent() throws Exception {
        Path file = TestDatabases.sqliteFile();
        JdbcThreadStore.sqlite(file).close();
        JdbcThreadStore.sqlite(file).close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT version, description FROM ltp_schema_version")) {
            List<Integer> versions = new ArrayList<>();
            while (rows.next()) {
                versions.add(rows.getInt(1));
            }
            assertThat(versions).containsExactly(1, 2, 3);
        }
    }

    @Test
    @DisplayName("a schema-1 database migrates in place: its positions read back with an unknown writer")
    void migratesFromSchemaOne() throws Exception {
        Path file = TestDatabases.sqliteFile();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE ltp_schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, "
                    + "applied_at BIGINT NOT NULL)");
            s.execute("INSERT INTO ltp_schema_version VALUES (1, 'threads, outbound log, inbound cursors', 0)");
            s.execute("CREATE TABLE ltp_threads (thread_id VARCHAR(64) PRIMARY KEY, client_id TEXT NOT NULL, "
                    + "principal TEXT, created_at BIGINT NOT NULL, last_active_at BIGINT NOT NULL, context_tag TEXT, "
                    + "affect TEXT, delivery SMALLINT NOT NULL DEFAULT 0, out_seq BIGINT NOT NULL DEFAULT 0, "
                    + "out_bytes BIGINT NOT NULL DEFAULT 0)");
            s.execute("CREATE TABLE ltp_outbound (thread_id VARCHAR(64) NOT NULL, seq BIGINT NOT NULL, logged_at "
                    + "BIGINT NOT NULL, size_bytes BIGINT NOT NULL, target_instance TEXT, message TEXT NOT NULL, "
                    + "PRIMARY KEY (thread_id, seq))");
            s.execute("CREATE TABLE ltp_inbound_cursors (thread_id VARCHAR(64) NOT NULL, instance VARCHAR(128) NOT "
                    + "NULL, last_seq BIGINT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (thread_id, instance))");
            s.execute("INSERT INTO ltp_threads (thread_id, client_id, created_at, last_active_at, delivery) VALUES "
                    + "('t-1', 'client-1', 0, 0, 1)");
            s.execute("INSERT INTO ltp_inbound_cursors VALUES ('t-1', 'instance-a', 5, 0)");
        }
        try (JdbcThreadStore store = JdbcThreadStore.sqlite(file)) {
            assertThat(store.schemaVersion()).isEqualTo(Schema.latestVersion());
            assertThat(store.inboundCursor("t-1", "instance-a")).isEqualTo(new InboundCursor(5, null));
            store.commit("t-1", List.of(), new Processed("instance-a", 6, "run-1"), T0, DeliveryRetention.DEFAULT);
            assertThat(store.inboundCursor("t-1", "instance-a")).isEqualTo(new InboundCursor(6, "run-1"));
        }
    }

    @Test
    @DisplayName("servers starting at once against one PostgreSQL schema migrate it exactly once")
    void concurrentStartsOnPostgres() throws Exception {
        String url = TestDatabases.postgresSchema();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<JdbcThreadStore>> starts = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                starts.add(pool.submit(() -> JdbcThreadStore.builder(url).maxPoolSize(2).build()));
            }
            for (Future<JdbcThreadStore> start : starts) {
                try (JdbcThreadStore store = start.get(60, TimeUnit.SECONDS)) {
                    assertThat(store.schemaVersion()).isEqualTo(Schema.latestVersion());
                }
            }
        } finally {
            pool.shutdownNow();
            TestDatabases.dropPostgresSchema(url);
        }
    }

    @Test
    @DisplayName("the provider is found through ServiceLoader and understands sqlite: and jdbc:")
    void provider(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        ThreadStoreProvider provider = ServiceLoader.load(ThreadStoreProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(p -> p instanceof JdbcThreadStoreProvider).findFirst()
                .orElseThrow();
        assertThat(provider.supports("sqlite:/x.db")).isTrue();
        assertThat(provider.supports("jdbc:postgresql://h/db")).isTrue();
        assertThat(provider.supports("redis://h:6379")).isFalse();
        try (ThreadStore store = provider.create("sqlite:" + dir.resolve("sub/dir/threads.db"))) {
            store.create(ThreadRecord.create("t", "c", null, T0));
            assertThat(store.count()).isEqualTo(1);
        }
        assertThatThrownBy(() -> provider.create("sqlite:")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("file path");
        assertThatThrownBy(() -> provider.create("jdbc:postgresql://127.0.0.1:1/nothing?user=x&connectTimeout=1"))
                .isInstanceOf(RuntimeException.class);
    }
}
