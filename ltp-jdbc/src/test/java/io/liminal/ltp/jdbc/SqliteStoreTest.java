package io.liminal.ltp.jdbc;

import io.liminal.ltp.server.store.DeliveryStoreContract;
import io.liminal.ltp.server.store.ThreadStore;
import io.liminal.ltp.server.store.ThreadStoreContract;
import org.junit.jupiter.api.Nested;

/** The store contracts on a SQLite file. */
class SqliteStoreTest {

    @Nested
    class Threads extends ThreadStoreContract {
        @Override
        protected ThreadStore newStore() throws Exception {
            return JdbcThreadStore.sqlite(TestDatabases.sqliteFile());
        }
    }

    @Nested
    class Delivery extends DeliveryStoreContract {
        @Override
        protected ThreadStore newStore() throws Exception {
            return JdbcThreadStore.sqlite(TestDatabases.sqliteFile());
        }
    }
}
