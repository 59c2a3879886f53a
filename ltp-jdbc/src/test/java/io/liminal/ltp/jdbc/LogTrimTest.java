package io.liminal.ltp.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.server.store.DeliveryRetention;
import io.liminal.ltp.server.store.DeliveryStore.Commit;
import io.liminal.ltp.server.store.DeliveryStore.LogBounds;
import io.liminal.ltp.server.store.DeliveryStore.Outbound;
import io.liminal.ltp.server.store.ThreadRecord;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How the JDBC store trims a log: in steps (a sixteenth past the count and byte bounds, then back to them), and from
 * the log's floor ({@code ltp_threads.out_floor}, schema 3), which trims raise to the first row they keep and where
 * reads of the oldest rows start. A floor lower than the log's first row, as a server that does not know the column
 * leaves it, only costs reads.
 */
class LogTrimTest {
    private static final Instant T0 = Instant.parse("2026-12-08T10:00:00Z");
    private static final DeliveryRetention FIVE = new DeliveryRetention(5, 1L << 30, Duration.ofDays(1));

    private String url;
    private String postgresUrl;
    private JdbcThreadStore store;

    private void open(String database) throws Exception {
        if (database.equals("sqlite")) {
            Path file = TestDatabases.sqliteFile();
            url = "jdbc:sqlite:" + file;
            store = JdbcThreadStore.sqlite(file);
        } else {
            postgresUrl = TestDatabases.postgresSchema();
            url = postgresUrl;
            store = JdbcThreadStore.builder(url).build();
        }
        store.create(ThreadRecord.create("t-1", "client-1", null, T0));
        store.create(ThreadRecord.create("t-2", "client-2", null, T0));
    }

    @AfterEach
    void close() throws SQLException {
        if (store != null) {
            store.close();
        }
        if (postgresUrl != null) {
            TestDatabases.dropPostgresSchema(postgresUrl);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    @DisplayName("a trim raises the floor to the first row it keeps, alone and in a group")
    void trimsRaiseTheFloor(String database) throws Exception {
        open(database);
        for (int i = 1; i <= 5; i++) {
            store.appendOutbound("t-1", "{\"n\":" + i + "}", null, T0, FIVE);
        }
        assertThat(floor("t-1")).as("nothing trimmed yet").isZero();
        store.appendOutbound("t-1", "{\"n\":6}", null, T0, FIVE);
        assertThat(floor("t-1")).isEqualTo(2);
        store.commitAll(List.of(
                new Commit("t-1", List.of(new Outbound("{\"n\":7}", null), new Outbound("{\"n\":8}", null)), null, T0,
                        FIVE),
                new Commit("t-2", List.of(new Outbound("{\"m\":1}", null)), null, T0, FIVE)));
        assertThat(floor("t-1")).isEqualTo(4);
        assertThat(floor("t-2")).as("a log within its bounds keeps its floor").isZero();
        assertThat(store.outboundBounds("t-1")).isEqualTo(new LogBounds(4, 8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    @DisplayName("a floor left low by a server that does not know it still trims and reads the log exactly")
    void aLowFloorIsStillAFloor(String database) throws Exception {
        open(database);
        for (int i = 1; i <= 8; i++) {
            store.appendOutbound("t-1", "{\"n\":" + i + "}", null, T0, FIVE);
        }
        sql("UPDATE ltp_threads SET out_floor = 0 WHERE thread_id = 't-1'");
        assertThat(store.outboundBounds("t-1")).isEqualTo(new LogBounds(4, 8));
        assertThat(store.openDelivery("t-1", "instance-a", "run-1", T0).outbound()).isEqualTo(new LogBounds(4, 8));
        store.commitAll(List.of(
                new Commit("t-1", List.of(new Outbound("{\"n\":9}", null)), null, T0, FIVE),
                new Commit("t-2", List.of(new Outbound("{\"m\":1}", null)), null, T0, FIVE)));
        assertThat(store.outboundBounds("t-1")).isEqualTo(new LogBounds(5, 9));
        assertThat(floor("t-1")).isEqualTo(5);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    @DisplayName("a log grows a sixteenth past its count or bytes before it is trimmed back to them")
    void trimsInSteps(String database) throws Exception {
        open(database);
        DeliveryRetention thirtyTwo = new DeliveryRetention(32, 1L << 30, Duration.ofDays(1));
        assertThat(thirtyTwo.trimAboveMessages()).isEqualTo(34);
        for (int i = 1; i <= 34; i++) {
            store.appendOutbound("t-1", "{\"n\":" + i + "}", null, T0, thirtyTwo);
        }
        assertThat(store.outboundBounds("t-1")).as("within the step").isEqualTo(new LogBounds(1, 34));
        store.appendOutbound("t-1", "{\"n\":35}", null, T0, thirtyTwo);
        assertThat(store.outboundBounds("t-1")).as("back to the bound").isEqualTo(new LogBounds(4, 35));

        String hundredBytes = "{\"p\":\"" + "y".repeat(92) + "\"}";
        DeliveryRetention sixteenHundredBytes = new DeliveryRetention(1_000, 1_600, Duration.ofDays(1));
        for (int i = 1; i <= 17; i++) {
            store.appendOutbound("t-2", hundredBytes, null, T0, sixteenHundredBytes);
        }
        assertThat(store.outboundBounds("t-2")).isEqualTo(new LogBounds(1, 17));
        store.appendOutbound("t-2", hundredBytes, null, T0, sixteenHundredBytes);
        assertThat(store.outboundBounds("t-2")).isEqualTo(new LogBounds(3, 18));
    }

    private long floor(String threadId) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet row = s.executeQuery("SELECT out_floor FROM ltp_threads WHERE thread_id = '" + threadId + "'")) {
            assertThat(row.next()).isTrue();
            return row.getLong(1);
        }
    }

    private void sql(String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.executeUpdate(statement);
        }
    }
}
