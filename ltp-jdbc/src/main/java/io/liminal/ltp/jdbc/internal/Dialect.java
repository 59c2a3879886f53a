package io.liminal.ltp.jdbc.internal;

import java.util.Locale;

/** The databases the store is tested on; anything else is treated as standard SQL (with ON CONFLICT, RETURNING). */
public enum Dialect {
    SQLITE,
    POSTGRESQL,
    OTHER;

    /** The dialect of a database by its JDBC product name. */
    public static Dialect of(String productName) {
        String name = productName.toLowerCase(Locale.ROOT);
        if (name.contains("sqlite")) {
            return SQLITE;
        }
        if (name.contains("postgres")) {
            return POSTGRESQL;
        }
        return OTHER;
    }
}
