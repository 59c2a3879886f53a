package io.liminal.ltp.e2e;

import io.liminal.ltp.server.store.ThreadStore;
import io.liminal.ltp.server.store.ThreadStoreProvider;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ServiceLoader;
import java.util.UUID;

/**
 * The durable stores of the end-to-end tests, as {@code LTP_STORE} specs: SQLite in a test directory, a fresh
 * schema of the PostgreSQL on 127.0.0.1 (user and database from {@code LTP_TEST_PG_URL} when set), and the Redis on
 * 127.0.0.1:6379 under a key prefix of its own.
 */
final class E2eStores {
    static final String POSTGRES = System.getenv().getOrDefault("LTP_TEST_PG_URL",
            "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    static final String REDIS = System.getenv().getOrDefault("LTP_TEST_REDIS_URL", "redis://127.0.0.1:6379");

    private E2eStores() {
    }

    /** A fresh, empty store of {@code kind} ({@code sqlite}, {@code postgresql}, {@code redis}). */
    static String spec(String kind, Path directory) throws SQLException {
        return switch (kind) {
            case "sqlite" -> "sqlite:" + directory.resolve("threads-" + UUID.randomUUID() + ".db");
            case "postgresql" -> {
                String schema = "ltp_e2e_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
                try (Connection c = DriverManager.getConnection(POSTGRES); Statement s = c.createStatement()) {
                    s.execute("CREATE SCHEMA " + schema);
                }
                yield POSTGRES + "&currentSchema=" + schema;
            }
            case "redis" -> REDIS;
            default -> throw new IllegalArgumentException(kind);
        };
    }

    /** Drops what {@link #spec} created outside the test directory. */
    static void drop(String spec) throws SQLException {
        int at = spec.indexOf("currentSchema=");
        if (at >= 0) {
            try (Connection c = DriverManager.getConnection(POSTGRES); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + spec.substring(at + "currentSchema=".length()) + " CASCADE");
            }
        }
    }

    /** Opens a store the way the standalone server does. */
    static ThreadStore open(String spec) {
        for (ThreadStoreProvider provider : ServiceLoader.load(ThreadStoreProvider.class)) {
            if (provider.supports(spec)) {
                return provider.create(spec, Duration.ofHours(1));
            }
        }
        throw new IllegalArgumentException("No store for " + spec);
    }
}
