package io.liminal.ltp.jdbc.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tables and their versioned migrations. Each migration runs once, in its own transaction, and is recorded in
 * {@code ltp_schema_version}; migrations only add (tables, columns, indexes), never drop or rewrite, so an older
 * server keeps working against a newer schema. Concurrent starts are serialised (PostgreSQL advisory lock, SQLite
 * write lock).
 */
public final class Schema {
    private static final Logger LOG = LoggerFactory.getLogger(Schema.class);
    /** Arbitrary, constant key of the PostgreSQL advisory lock taken while migrating. */
    private static final long MIGRATION_LOCK = 0x4c54505f4a444243L;

    /** One migration: its version and its statements. */
    record Migration(int version, String description, List<String> statements) {
    }

    static final List<Migration> MIGRATIONS = List.of(
            new Migration(1, "threads, outbound log, inbound cursors", List.of(
                    """
                    CREATE TABLE ltp_threads (
                      thread_id VARCHAR(64) PRIMARY KEY,
                      client_id TEXT NOT NULL,
                      principal TEXT,
                      created_at BIGINT NOT NULL,
                      last_active_at BIGINT NOT NULL,
                      context_tag TEXT,
                      affect TEXT,
                      delivery SMALLINT NOT NULL DEFAULT 0,
                      out_seq BIGINT NOT NULL DEFAULT 0,
                      out_bytes BIGINT NOT NULL DEFAULT 0
                    )""",
                    "CREATE INDEX ltp_threads_last_active ON ltp_threads (last_active_at)",
                    """
                    CREATE TABLE ltp_outbound (
                      thread_id VARCHAR(64) NOT NULL,
                      seq BIGINT NOT NULL,
                      logged_at BIGINT NOT NULL,
                      size_bytes BIGINT NOT NULL,
                      target_instance TEXT,
                      message TEXT NOT NULL,
                      PRIMARY KEY (thread_id, seq)
                    )""",
                    """
                    CREATE TABLE ltp_inbound_cursors (
                      thread_id VARCHAR(64) NOT NULL,
                      instance VARCHAR(128) NOT NULL,
                      last_seq BIGINT NOT NULL,
                      updated_at BIGINT NOT NULL,
                      PRIMARY KEY (thread_id, instance)
                    )""")),
            new Migration(2, "who wrote each inbound cursor, clean stops of server processes", List.of(
                    "ALTER TABLE ltp_inbound_cursors ADD COLUMN process_id VARCHAR(64)",
                    """
                    CREATE TABLE ltp_clean_stops (
                      process_id VARCHAR(64) PRIMARY KEY,
                      stopped_at BIGINT NOT NULL
                    )""",
                    "CREATE INDEX ltp_clean_stops_stopped_at ON ltp_clean_stops (stopped_at)")),
            // Every row of a thread's log below out_floor was trimmed: reads of the oldest rows start there instead
            // of stepping over the index entries of deleted rows (PostgreSQL keeps them until a vacuum). A server
            // that does not know the column leaves it lower than it could be, which is still true.
            new Migration(3, "the floor of each outbound log", List.of(
                    "ALTER TABLE ltp_threads ADD COLUMN out_floor BIGINT NOT NULL DEFAULT 0")));

    private Schema() {
    }

    /** The newest schema version this code knows. */
    public static int latestVersion() {
        return MIGRATIONS.get(MIGRATIONS.size() - 1).version();
    }

    /**
     * Brings the schema up to {@link #latestVersion()}.
     *
     * @return the version the database is at afterwards
     */
    public static int migrate(Connection connection, Dialect dialect) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            if (dialect == Dialect.POSTGRESQL) {
                // Before anything else: concurrent CREATE TABLE IF NOT EXISTS can collide in PostgreSQL.
                statement.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
            }
            statement.execute("CREATE TABLE IF NOT EXISTS ltp_schema_version (version INTEGER PRIMARY KEY, "
                    + "description TEXT NOT NULL, applied_at BIGINT NOT NULL)");
            if (dialect == Dialect.SQLITE) {
                // Take the write lock now, so that two starting servers do not both read the old version.
                statement.executeUpdate("UPDATE ltp_schema_version SET version = version WHERE 1 = 0");
            }
            int current = currentVersion(statement);
            for (Migration migration : MIGRATIONS) {
                if (migration.version() > current) {
                    for (String sql : migration.statements()) {
                        statement.execute(sql);
                    }
                    statement.executeUpdate("INSERT INTO ltp_schema_version (version, description, applied_at) VALUES ("
                            + migration.version() + ", '" + migration.description() + "', "
                            + System.currentTimeMillis() + ")");
                    LOG.info("Applied LTP schema migration {} ({})", migration.version(), migration.description());
                    current = migration.version();
                }
            }
            connection.commit();
            return current;
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    private static int currentVersion(Statement statement) throws SQLException {
        try (ResultSet rows = statement.executeQuery("SELECT MAX(version) FROM ltp_schema_version")) {
            return rows.next() ? rows.getInt(1) : 0;
        }
    }
}
