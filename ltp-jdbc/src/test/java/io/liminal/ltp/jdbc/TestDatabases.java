package io.liminal.ltp.jdbc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * The real databases of the tests: SQLite in a temporary file, and the PostgreSQL on 127.0.0.1:5432 (database
 * {@code test}, trust authentication), where each store gets a schema of its own so tests never see each other.
 */
final class TestDatabases {
    static final String POSTGRES = System.getenv().getOrDefault("LTP_TEST_PG_URL",
            "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

    private TestDatabases() {
    }

    static Path sqliteFile() throws Exception {
        return Files.createTempDirectory("ltp-jdbc").resolve("threads.db");
    }

    /** A fresh PostgreSQL schema; the URL that uses it. */
    static String postgresSchema() throws SQLException {
        String schema = "ltp_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(POSTGRES); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        return POSTGRES + "&currentSchema=" + schema;
    }

    static void dropPostgresSchema(String url) throws SQLException {
        String schema = url.substring(url.indexOf("currentSchema=") + "currentSchema=".length());
        try (Connection c = DriverManager.getConnection(POSTGRES); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }
}
