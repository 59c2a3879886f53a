package io.liminal.ltp.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liminal.ltp.server.store.DeliveryRetention;
import io.liminal.ltp.server.store.DeliveryStore.Commit;
import io.liminal.ltp.server.store.DeliveryStore.InboundCursor;
import io.liminal.ltp.server.store.DeliveryStore.LogBounds;
import io.liminal.ltp.server.store.DeliveryStore.Outbound;
import io.liminal.ltp.server.store.DeliveryStore.Processed;
import io.liminal.ltp.server.store.ThreadRecord;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The transactional-outbox property on real databases: when the position write of a commit fails, the messages
 * of the same commit are not in the log either, and the numbers they would have taken are still free.
 */
class AtomicCommitTest {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sqlite", "postgresql"})
    @DisplayName("a commit whose position write fails stores none of its messages")
    void allOrNothing(String database) throws Exception {
        onFailingStore(database, (source, store) -> {
            store.create(ThreadRecord.create("t-1", "client-1", null, T0));
            store.openDelivery("t-1", "a", "run-1", T0);
            store.appendOutbound("t-1", "{\"n\":1}", null, T0, DeliveryRetention.DEFAULT);

            source.failCursorWrites = true;
            assertThatThrownBy(() -> store.commit("t-1", List.of(new Outbound("{\"reply\":1}", "a"),
                    new Outbound("{\"reply\":2}", null)), new Processed("a", 1, "run-1"), T0,
                    DeliveryRetention.DEFAULT)).hasMessageContaining("injected");
            assertThat(store.outboundBounds("t-1")).isEqualTo(new LogBounds(1, 1));
            assertThat(store.outboundAfter("t-1", 0, 10)).hasSize(1);
            assertThat(store.inboundCursor("t-1", "a")).isEqualTo(new InboundCursor(0, "run-1"));

            source.failCursorWrites = false;
            assertThat(store.commit("t-1", List.of(new Outbound("{\"reply\":1}", "a")),
                    new Processed("a", 1, "run-1"), T0, DeliveryRetention.DEFAULT)).as("the numbers are still free")
                    .isEqualTo(2);
            assertThat(store.inboundCursor("t-1", "a")).isEqualTo(new InboundCursor(1, "run-1"));
        });
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sqlite", "postgresql"})
    @DisplayName("a group of commits that fails is rolled back whole and retried commit by commit")
    void aFailedGroupIsRetriedOneByOne(String database) throws Exception {
        onFailingStore(database, (source, store) -> {
            store.create(ThreadRecord.create("t-1", "client-1", null, T0));
            store.create(ThreadRecord.create("t-2", "client-1", null, T0));

            source.failLogInserts.set(1); // the group's batch of rows fails, after its counters moved
            long[] firsts = store.commitAll(List.of(
                    new Commit("t-1", List.of(new Outbound("{\"r\":1}", "a")), new Processed("a", 1, "run-1"), T0,
                            DeliveryRetention.DEFAULT),
                    new Commit("t-2", List.of(new Outbound("{\"r\":2}", "b")), new Processed("b", 1, "run-1"), T0,
                            DeliveryRetention.DEFAULT)));

            assertThat(source.failLogInserts.get()).as("the failure was injected").isZero();
            assertThat(firsts).as("the group's rollback freed the numbers").containsExactly(1, 1);
            assertThat(store.outboundBounds("t-1")).isEqualTo(new LogBounds(1, 1));
            assertThat(store.outboundBounds("t-2")).isEqualTo(new LogBounds(1, 1));
            assertThat(store.inboundCursor("t-2", "b")).isEqualTo(new InboundCursor(1, "run-1"));
        });
    }

    /** What a test does with a store on a fresh database whose connections can be made to fail. */
    private interface StoreWork {
        void run(FailingDataSource source, JdbcThreadStore store) throws Exception;
    }

    private static void onFailingStore(String database, StoreWork work) throws Exception {
        String url = database.equals("sqlite") ? "jdbc:sqlite:" + TestDatabases.sqliteFile()
                : TestDatabases.postgresSchema();
        FailingDataSource source = new FailingDataSource(url);
        try (JdbcThreadStore store = JdbcThreadStore.of(source.proxy())) {
            work.run(source, store);
        } finally {
            if (database.equals("postgresql")) {
                TestDatabases.dropPostgresSchema(url);
            }
        }
    }

    /** Connections straight from the driver; preparing the position upsert (or a log insert) fails while armed. */
    private static final class FailingDataSource {
        private final String url;
        volatile boolean failCursorWrites;
        /** How many of the next log inserts fail when prepared. */
        final AtomicInteger failLogInserts = new AtomicInteger();

        FailingDataSource(String url) {
            this.url = url;
        }

        DataSource proxy() {
            return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {DataSource.class},
                    (proxy, method, args) -> {
                        if (method.getName().equals("getConnection")) {
                            return connection(DriverManager.getConnection(url));
                        }
                        throw new UnsupportedOperationException(method.getName());
                    });
        }

        private Connection connection(Connection real) {
            InvocationHandler handler = (proxy, method, args) -> {
                if (failCursorWrites && method.getName().equals("prepareStatement")
                        && ((String) args[0]).startsWith("INSERT INTO ltp_inbound_cursors")) {
                    throw new SQLException("injected failure of the position write");
                }
                if (method.getName().equals("prepareStatement") && ((String) args[0]).startsWith(
                        "INSERT INTO ltp_outbound") && failLogInserts.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    throw new SQLException("injected failure of the log insert");
                }
                try {
                    return method.invoke(real, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            };
            return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                    handler);
        }
    }
}
