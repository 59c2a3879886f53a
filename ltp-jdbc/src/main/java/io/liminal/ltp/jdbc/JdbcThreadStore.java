package io.liminal.ltp.jdbc;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.liminal.ltp.core.internal.text.Redaction;
import io.liminal.ltp.jdbc.internal.Dialect;
import io.liminal.ltp.jdbc.internal.LogWrites;
import io.liminal.ltp.jdbc.internal.Schema;
import io.liminal.ltp.jdbc.internal.WalCheckpointer;
import io.liminal.ltp.server.store.DeliveryRetention;
import io.liminal.ltp.server.store.DeliveryStore;
import io.liminal.ltp.server.store.ThreadRecord;
import io.liminal.ltp.server.store.ThreadStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A durable {@link ThreadStore} and {@link DeliveryStore} over JDBC: threads, their outbound delivery logs and the
 * inbound cursors of their clients in three tables, created and migrated on start (see {@code Schema}).
 *
 * <pre>{@code
 * JdbcThreadStore.sqlite(Path.of("/var/lib/ltp/threads.db"))                       // one file, WAL mode
 * JdbcThreadStore.open("jdbc:postgresql://db:5432/ltp?user=ltp&password=secret")   // production
 * JdbcThreadStore.of(applicationDataSource)                                         // the application's pool
 * }</pre>
 *
 * <p>Tested on SQLite and PostgreSQL; other databases that speak {@code ON CONFLICT} and {@code RETURNING} should
 * work. Times are stored as epoch milliseconds. Every call is one short transaction; the pool is HikariCP.
 * SQLite runs with {@code synchronous=NORMAL} in WAL mode, the log checkpointed every 100 ms from a thread of its
 * own rather than inside commits: a committed write survives the process dying, and the commits of about the last
 * checkpoint interval before a power loss may be lost (see docs/durability.md).
 */
public final class JdbcThreadStore implements ThreadStore, DeliveryStore {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcThreadStore.class);
    private final DataSource dataSource;
    private final HikariDataSource ownedPool;
    private final Dialect dialect;
    private final int schemaVersion;
    /** SQLite files the store opened itself: their log is checkpointed off the commit path; else {@code null}. */
    private final WalCheckpointer checkpointer;

    private JdbcThreadStore(DataSource dataSource, HikariDataSource ownedPool, boolean checkpointInBackground) {
        this.dataSource = dataSource;
        this.ownedPool = ownedPool;
        try (Connection connection = dataSource.getConnection()) {
            this.dialect = Dialect.of(connection.getMetaData().getDatabaseProductName());
            this.schemaVersion = Schema.migrate(connection, dialect);
        } catch (SQLException e) {
            if (ownedPool != null) {
                ownedPool.close();
            }
            throw new IllegalStateException("Could not open the LTP thread store: " + e.getMessage(), e);
        }
        this.checkpointer = checkpointInBackground ? WalCheckpointer.onOwnThread(dataSource) : null;
    }

    /**
     * A store in one SQLite file (created with its directory when missing), in WAL mode.
     *
     * @throws IllegalStateException when the file exists but is empty: that is a truncated or failed copy far more
     *     often than a store, and starting on it would silently begin with no threads. Delete it to start empty.
     */
    public static JdbcThreadStore sqlite(Path file) {
        Path absolute = file.toAbsolutePath();
        boolean exists = Files.exists(absolute);
        try {
            if (exists && Files.size(absolute) == 0) {
                throw new IllegalStateException("The SQLite store " + absolute + " exists but is empty (a truncated "
                        + "copy?); refusing to start on it. Delete it to start with an empty store");
            }
            if (absolute.getParent() != null) {
                Files.createDirectories(absolute.getParent());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create the directory of " + absolute, e);
        }
        if (!exists) {
            LOG.info("Creating a new SQLite thread store at {}", absolute);
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:sqlite:" + absolute);
        // SQLite has one writer at a time: a small pool, waiting writers instead of SQLITE_BUSY, write locks taken
        // at the start of each transaction (no lock upgrade deadlocks).
        config.setMaximumPoolSize(4);
        config.addDataSourceProperty("journal_mode", "WAL");
        config.addDataSourceProperty("synchronous", "NORMAL");
        config.addDataSourceProperty("busy_timeout", "30000");
        config.addDataSourceProperty("transaction_mode", "IMMEDIATE");
        // Checkpoints run on a thread of their own (WalCheckpointer); a commit checkpoints only past this bound.
        config.addDataSourceProperty("wal_autocheckpoint", Integer.toString(WalCheckpointer.WRITER_CHECKPOINT_PAGES));
        config.addDataSourceProperty("journal_size_limit", Long.toString(WalCheckpointer.LOG_SIZE_LIMIT));
        return pooled(config, true);
    }

    /** A store at {@code jdbcUrl} (credentials in the URL or none) with a pool of up to 10 connections. */
    public static JdbcThreadStore open(String jdbcUrl) {
        return builder(jdbcUrl).build();
    }

    /** A builder for a store at {@code jdbcUrl}. */
    public static Builder builder(String jdbcUrl) {
        return new Builder(jdbcUrl);
    }

    /** A store over the application's data source; {@link #close()} leaves it open. */
    public static JdbcThreadStore of(DataSource dataSource) {
        return new JdbcThreadStore(Objects.requireNonNull(dataSource, "dataSource"), null, false);
    }

    private static JdbcThreadStore pooled(HikariConfig config, boolean checkpointInBackground) {
        config.setPoolName("ltp-jdbc");
        HikariDataSource pool = new HikariDataSource(config);
        return new JdbcThreadStore(pool, pool, checkpointInBackground);
    }

    /** The schema version of the database after start-up migrations. */
    public int schemaVersion() {
        return schemaVersion;
    }

    // ---- Threads ----------------------------------------------------------------------------------------------

    @Override
    public void create(ThreadRecord thread) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement insert = c.prepareStatement("INSERT INTO ltp_threads (thread_id, client_id, "
                     + "principal, created_at, last_active_at, context_tag, affect) VALUES (?, ?, ?, ?, ?, ?, ?) "
                     + "ON CONFLICT (thread_id) DO NOTHING")) {
            insert.setString(1, thread.threadId());
            insert.setString(2, thread.clientId());
            insert.setString(3, thread.principal());
            insert.setLong(4, thread.createdAt().toEpochMilli());
            insert.setLong(5, thread.lastActiveAt().toEpochMilli());
            insert.setString(6, thread.contextTag());
            insert.setString(7, thread.affect() == null ? null : thread.affect().toString());
            if (insert.executeUpdate() == 0) {
                throw new IllegalStateException("Thread " + thread.threadId() + " already exists");
            }
        } catch (SQLException e) {
            throw failure("create thread", e);
        }
    }

    @Override
    public Optional<ThreadRecord> find(String threadId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement("SELECT thread_id, client_id, principal, created_at, "
                     + "last_active_at, context_tag, affect FROM ltp_threads WHERE thread_id = ?")) {
            select.setString(1, threadId);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                String affect = row.getString(7);
                JsonElement affectJson = affect == null ? null : JsonParser.parseString(affect);
                return Optional.of(new ThreadRecord(row.getString(1), row.getString(2), row.getString(3),
                        Instant.ofEpochMilli(row.getLong(4)), Instant.ofEpochMilli(row.getLong(5)), row.getString(6),
                        affectJson));
            }
        } catch (SQLException e) {
            throw failure("find thread", e);
        }
    }

    @Override
    public void update(ThreadRecord thread) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement update = c.prepareStatement("UPDATE ltp_threads SET last_active_at = ?, "
                     + "context_tag = ?, affect = ? WHERE thread_id = ?")) {
            update.setLong(1, thread.lastActiveAt().toEpochMilli());
            update.setString(2, thread.contextTag());
            update.setString(3, thread.affect() == null ? null : thread.affect().toString());
            update.setString(4, thread.threadId());
            update.executeUpdate();
        } catch (SQLException e) {
            throw failure("update thread", e);
        }
    }

    @Override
    public void delete(String threadId) {
        inTransaction("delete thread", c -> {
            for (String table : new String[] {"ltp_outbound", "ltp_inbound_cursors", "ltp_threads"}) {
                try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + table + " WHERE thread_id = ?")) {
                    delete.setString(1, threadId);
                    delete.executeUpdate();
                }
            }
            return null;
        });
    }

    @Override
    public int evictIdleBefore(Instant cutoff) {
        return inTransaction("evict idle threads", c -> {
            for (String table : new String[] {"ltp_outbound", "ltp_inbound_cursors"}) {
                try (PreparedStatement delete = c.prepareStatement("DELETE FROM " + table + " WHERE thread_id IN "
                        + "(SELECT thread_id FROM ltp_threads WHERE last_active_at < ?)")) {
                    delete.setLong(1, cutoff.toEpochMilli());
                    delete.executeUpdate();
                }
            }
            try (PreparedStatement forget = c.prepareStatement("DELETE FROM ltp_clean_stops WHERE stopped_at < ?")) {
                forget.setLong(1, cutoff.toEpochMilli());
                forget.executeUpdate();
            }
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM ltp_threads WHERE last_active_at < ?")) {
                delete.setLong(1, cutoff.toEpochMilli());
                return delete.executeUpdate();
            }
        });
    }

    @Override
    public long count() {
        try (Connection c = dataSource.getConnection();
             PreparedStatement count = c.prepareStatement("SELECT COUNT(*) FROM ltp_threads");
             ResultSet row = count.executeQuery()) {
            row.next();
            return row.getLong(1);
        } catch (SQLException e) {
            throw failure("count threads", e);
        }
    }

    // ---- Delivery ---------------------------------------------------------------------------------------------

    @Override
    public DeliveryPosition openDelivery(String threadId, String instance, String processId, Instant now) {
        return inTransaction("open delivery", c -> {
            long last;
            long floor;
            try (PreparedStatement enable = c.prepareStatement("UPDATE ltp_threads SET delivery = 1 WHERE "
                    + "thread_id = ? RETURNING out_seq, out_floor")) {
                enable.setString(1, threadId);
                try (ResultSet row = enable.executeQuery()) {
                    if (!row.next()) {
                        return null;
                    }
                    last = row.getLong(1);
                    floor = row.getLong(2);
                }
            }
            try (PreparedStatement claim = c.prepareStatement("INSERT INTO ltp_inbound_cursors (thread_id, instance, "
                    + "last_seq, updated_at, process_id) VALUES (?, ?, 0, ?, ?) ON CONFLICT (thread_id, instance) "
                    + "DO NOTHING")) {
                claim.setString(1, threadId);
                claim.setString(2, instance);
                claim.setLong(3, now.toEpochMilli());
                claim.setString(4, processId);
                claim.executeUpdate();
            }
            InboundCursor cursor = readCursor(c, threadId, instance);
            try (PreparedStatement first = c.prepareStatement("SELECT MIN(seq) FROM ltp_outbound WHERE "
                    + "thread_id = ? AND seq >= ?")) {
                first.setString(1, threadId);
                first.setLong(2, floor);
                try (ResultSet row = first.executeQuery()) {
                    row.next();
                    long firstKept = row.getLong(1);
                    return new DeliveryPosition(cursor, new LogBounds(row.wasNull() ? last + 1 : firstKept, last));
                }
            }
        });
    }

    @Override
    public boolean deliveryEnabled(String threadId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement("SELECT delivery FROM ltp_threads WHERE thread_id = ?")) {
            select.setString(1, threadId);
            try (ResultSet row = select.executeQuery()) {
                return row.next() && row.getInt(1) == 1;
            }
        } catch (SQLException e) {
            throw failure("read delivery flag", e);
        }
    }

    /** One transaction: the log's counters, the new rows, the trim and the cursor. */
    @Override
    public long commit(String threadId, List<Outbound> messages, Processed processed, Instant now,
            DeliveryRetention retention) {
        List<Commit> one = List.of(new Commit(threadId, messages, processed, now, retention));
        return inTransaction("commit delivery", c -> LogWrites.commit(c, dialect, one))[0];
    }

    /**
     * One transaction for the whole group, with a fixed number of statements per group on PostgreSQL (see
     * {@code LogWrites}). When it fails, it was rolled back, and each commit is tried alone so that one bad commit
     * does not fail the others.
     */
    @Override
    public long[] commitAll(List<Commit> commits) {
        if (commits.size() <= 1) {
            return DeliveryStore.super.commitAll(commits);
        }
        try {
            return inTransaction("commit delivery group", c -> LogWrites.commit(c, dialect, commits));
        } catch (IllegalStateException e) {
            LOG.debug("A group of {} delivery commits failed; committing them one by one", commits.size(),
                    Redaction.redact(e));
            return DeliveryStore.super.commitAll(commits);
        }
    }

    @Override
    public List<LoggedMessage> outboundAfter(String threadId, long afterSeq, int limit) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement("SELECT seq, message, target_instance, logged_at FROM "
                     + "ltp_outbound WHERE thread_id = ? AND seq > ? ORDER BY seq LIMIT ?")) {
            select.setString(1, threadId);
            select.setLong(2, afterSeq);
            select.setInt(3, limit);
            List<LoggedMessage> messages = new ArrayList<>();
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    messages.add(new LoggedMessage(row.getLong(1), row.getString(2), row.getString(3),
                            Instant.ofEpochMilli(row.getLong(4))));
                }
            }
            return messages;
        } catch (SQLException e) {
            throw failure("read the outbound log", e);
        }
    }

    @Override
    public LogBounds outboundBounds(String threadId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement("SELECT t.out_seq, (SELECT MIN(o.seq) FROM ltp_outbound o "
                     + "WHERE o.thread_id = t.thread_id AND o.seq >= t.out_floor) FROM ltp_threads t WHERE "
                     + "t.thread_id = ?")) {
            select.setString(1, threadId);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return LogBounds.EMPTY;
                }
                long last = row.getLong(1);
                long first = row.getLong(2);
                return new LogBounds(row.wasNull() ? last + 1 : first, last);
            }
        } catch (SQLException e) {
            throw failure("read the outbound log bounds", e);
        }
    }

    @Override
    public InboundCursor inboundCursor(String threadId, String instance) {
        try (Connection c = dataSource.getConnection()) {
            return readCursor(c, threadId, instance);
        } catch (SQLException e) {
            throw failure("read an inbound cursor", e);
        }
    }

    private static InboundCursor readCursor(Connection c, String threadId, String instance) throws SQLException {
        try (PreparedStatement select = c.prepareStatement("SELECT last_seq, process_id FROM ltp_inbound_cursors "
                + "WHERE thread_id = ? AND instance = ?")) {
            select.setString(1, threadId);
            select.setString(2, instance);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? new InboundCursor(row.getLong(1), row.getString(2)) : InboundCursor.NONE;
            }
        }
    }

    @Override
    public void recordCleanStop(String processId, Instant now) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement insert = c.prepareStatement("INSERT INTO ltp_clean_stops (process_id, stopped_at) "
                     + "VALUES (?, ?) ON CONFLICT (process_id) DO UPDATE SET stopped_at = excluded.stopped_at")) {
            insert.setString(1, processId);
            insert.setLong(2, now.toEpochMilli());
            insert.executeUpdate();
        } catch (SQLException e) {
            throw failure("record a clean stop", e);
        }
    }

    @Override
    public boolean stoppedCleanly(String processId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement("SELECT 1 FROM ltp_clean_stops WHERE process_id = ?")) {
            select.setString(1, processId);
            try (ResultSet row = select.executeQuery()) {
                return row.next();
            }
        } catch (SQLException e) {
            throw failure("read a clean stop", e);
        }
    }

    /**
     * Closes the pool. With SQLite, first moves every commit from the write-ahead log into the main file, so that
     * a stopped server's {@code threads.db} alone holds everything (see docs/durability.md, "Backups").
     */
    @Override
    public void close() {
        if (checkpointer != null) {
            checkpointer.close();
        }
        if (dialect == Dialect.SQLITE) {
            try (Connection c = dataSource.getConnection(); Statement statement = c.createStatement()) {
                statement.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            } catch (SQLException e) {
                LOG.warn("Could not checkpoint the SQLite write-ahead log at close: {}", e.getMessage());
            }
        }
        if (ownedPool != null) {
            ownedPool.close();
        }
    }

    @Override
    public String toString() {
        return "JdbcThreadStore{" + dialect + ", schema v" + schemaVersion + '}';
    }

    // ---- Helpers ----------------------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private <T> T inTransaction(String what, Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    private static RuntimeException failure(String what, SQLException e) {
        return new IllegalStateException("Thread store: could not " + what + ": " + e.getMessage(), e);
    }

    /** Builds a pooled store for a JDBC URL. */
    public static final class Builder {
        private final HikariConfig config = new HikariConfig();

        private Builder(String jdbcUrl) {
            config.setJdbcUrl(Objects.requireNonNull(jdbcUrl, "jdbcUrl"));
            config.setMaximumPoolSize(10);
        }

        /** The database user. */
        public Builder user(String user) {
            config.setUsername(user);
            return this;
        }

        /** The database password. */
        public Builder password(String password) {
            config.setPassword(password);
            return this;
        }

        /** Most pooled connections (default 10). */
        public Builder maxPoolSize(int connections) {
            config.setMaximumPoolSize(connections);
            return this;
        }

        /** A driver property, passed through to the JDBC driver. */
        public Builder property(String name, String value) {
            config.addDataSourceProperty(name, value);
            return this;
        }

        /** Opens the pool and migrates the schema. */
        public JdbcThreadStore build() {
            return pooled(config, false);
        }
    }
}
