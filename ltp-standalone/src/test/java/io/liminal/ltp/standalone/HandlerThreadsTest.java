package io.liminal.ltp.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.internal.standalone.StandaloneConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HandlerThreadsTest {

    @Test
    @DisplayName("with a store that blocks (SQLite), handler calls stay on the application executor")
    void blockingStoreKeepsTheExecutor(@TempDir Path dir) throws Exception {
        String spec = "sqlite:" + Files.createDirectories(dir).resolve("threads.db");
        LtpServer.Builder builder = StandaloneConfig.parse(new String[0], Map.of("LTP_STORE", spec)).toBuilder();
        // Accepted only because the standalone server did not declare its handler non-blocking over this store.
        try (LtpServer server = builder.host("127.0.0.1").port(0).applicationExecutor(Runnable::run).build().start()) {
            assertThat(server.port()).isPositive();
        }
    }
}
