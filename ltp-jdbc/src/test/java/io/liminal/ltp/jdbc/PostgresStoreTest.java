package io.liminal.ltp.jdbc;

import io.liminal.ltp.server.store.DeliveryStoreContract;
import io.liminal.ltp.server.store.ThreadStore;
import io.liminal.ltp.server.store.ThreadStoreContract;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;

/** The store contracts on the PostgreSQL of 127.0.0.1, a fresh schema per store. */
class PostgresStoreTest {
    private static final List<String> SCHEMAS = new ArrayList<>();

    static ThreadStore newPostgresStore() throws Exception {
        String url = TestDatabases.postgresSchema();
        SCHEMAS.add(url);
        return JdbcThreadStore.open(url);
    }

    @AfterAll
    static void dropSchemas() throws Exception {
        for (String url : SCHEMAS) {
            TestDatabases.dropPostgresSchema(url);
        }
    }

    @Nested
    class Threads extends ThreadStoreContract {
        @Override
        protected ThreadStore newStore() throws Exception {
            return newPostgresStore();
        }
    }

    @Nested
    class Delivery extends DeliveryStoreContract {
        @Override
        protected ThreadStore newStore() throws Exception {
            return newPostgresStore();
        }
    }
}
