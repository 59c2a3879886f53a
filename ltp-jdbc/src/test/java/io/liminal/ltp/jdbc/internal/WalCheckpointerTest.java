package io.liminal.ltp.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.testing.FakeClock;
import io.liminal.ltp.testing.FakeScheduler;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/** Checkpoints of a SQLite write-ahead log, on virtual time, against a real file. */
class WalCheckpointerTest {
    @TempDir
    Path directory;
    private final FakeScheduler scheduler = new FakeScheduler(new FakeClock());

    /** A WAL-mode file whose connections never checkpoint by themselves. */
    private SQLiteDataSource database(Path file) {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setPragma(SQLiteConfig.Pragma.WAL_AUTOCHECKPOINT, "0");
        SQLiteDataSource dataSource = new SQLiteDataSource(config);
        dataSource.setUrl("jdbc:sqlite:" + file);
        return dataSource;
    }

    @Test
    void movesTheLogIntoTheMainFileEveryIntervalUntilClosed() throws Exception {
        Path file = directory.resolve("threads.db");
        SQLiteDataSource dataSource = database(file);
        // An open connection keeps the log: SQLite checkpoints when the last connection to a file closes.
        try (Connection keeper = dataSource.getConnection(); Statement statement = keeper.createStatement()) {
            statement.execute("CREATE TABLE t (v TEXT)");
            try (PreparedStatement insert = keeper.prepareStatement("INSERT INTO t VALUES (?)")) {
                for (int i = 0; i < 256; i++) {
                    insert.setString(1, "x".repeat(4_000));
                    insert.executeUpdate();
                }
            }
            long mainBefore = Files.size(file);
            assertThat(Files.size(Path.of(file + "-wal"))).isGreaterThan(1_000_000);
            assertThat(mainBefore).isLessThan(100_000);

            WalCheckpointer checkpointer = new WalCheckpointer(dataSource, scheduler);
            assertThat(scheduler.pendingDelays()).containsExactly(WalCheckpointer.INTERVAL);
            scheduler.advance(WalCheckpointer.INTERVAL.minusMillis(1));
            assertThat(Files.size(file)).as("not before the interval").isEqualTo(mainBefore);
            scheduler.advance(Duration.ofMillis(1));
            assertThat(Files.size(file)).as("the log's pages in the main file").isGreaterThan(1_000_000);
            assertThat(scheduler.pendingDelays()).as("the next one").containsExactly(WalCheckpointer.INTERVAL);

            long[] frames = checkpointer.checkpoint();
            assertThat(frames[1]).as("nothing left to move").isEqualTo(frames[0]);
            checkpointer.close();
            assertThat(scheduler.pending()).isZero();
        }
    }

    @Test
    void anIdleLogIsCheckedLessOftenUntilItGrowsAgain() throws Exception {
        SQLiteDataSource dataSource = database(directory.resolve("threads.db"));
        try (Connection keeper = dataSource.getConnection(); Statement statement = keeper.createStatement();
                WalCheckpointer checkpointer = new WalCheckpointer(dataSource, scheduler)) {
            statement.execute("CREATE TABLE t (v TEXT)");
            scheduler.advance(WalCheckpointer.INTERVAL);
            assertThat(scheduler.pendingDelays()).as("it found new pages").containsExactly(WalCheckpointer.INTERVAL);
            scheduler.advance(WalCheckpointer.INTERVAL); // nothing new since: the wait doubles
            assertThat(scheduler.pendingDelays()).containsExactly(WalCheckpointer.INTERVAL.multipliedBy(2));
            for (int i = 0; i < 8; i++) {
                scheduler.advance(scheduler.pendingDelays().get(0));
            }
            assertThat(scheduler.pendingDelays()).as("bounded").containsExactly(WalCheckpointer.IDLE_INTERVAL);

            statement.execute("INSERT INTO t VALUES ('new')");
            scheduler.advance(WalCheckpointer.IDLE_INTERVAL);
            assertThat(scheduler.pendingDelays()).as("a commit brings it back")
                    .containsExactly(WalCheckpointer.INTERVAL);
        }
    }

    @Test
    void aFailingCheckpointIsRetriedNextInterval() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        SQLiteDataSource real = database(directory.resolve("threads.db"));
        DataSource failingTwice = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConnection") && attempts.incrementAndGet() <= 2) {
                        throw new SQLException("database is locked");
                    }
                    return method.invoke(real, args);
                });
        try (WalCheckpointer checkpointer = new WalCheckpointer(failingTwice, scheduler)) {
            scheduler.advance(WalCheckpointer.INTERVAL.multipliedBy(3));
            assertThat(attempts).hasValue(3);
            assertThat(scheduler.pendingDelays()).containsExactly(WalCheckpointer.INTERVAL);
        }
    }
}
