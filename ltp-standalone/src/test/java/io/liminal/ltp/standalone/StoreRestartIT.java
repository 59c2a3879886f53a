package io.liminal.ltp.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.liminal.ltp.testing.WsTestClient;
import java.net.URI;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Threads outlive the server process: created by one server, killed without a drain (SIGKILL), and resumed on the
 * next one, for every durable LTP_STORE the standalone jar understands.
 */
@Timeout(180)
class StoreRestartIT {
    private static final String POSTGRES = System.getenv().getOrDefault("LTP_TEST_PG_URL",
            "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

    private static String storeSpec(String kind) throws Exception {
        return switch (kind) {
            case "sqlite" -> "sqlite:" + Files.createTempDirectory("ltp-standalone").resolve("threads.db");
            case "postgresql" -> {
                String schema = "ltp_restart_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
                try (Connection c = DriverManager.getConnection(POSTGRES); Statement s = c.createStatement()) {
                    s.execute("CREATE SCHEMA " + schema);
                }
                yield POSTGRES + "&currentSchema=" + schema;
            }
            case "redis" -> System.getenv().getOrDefault("LTP_TEST_REDIS_URL", "redis://127.0.0.1:6379");
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private static JsonObject handshake(int port, String frame) throws Exception {
        try (WsTestClient client = WsTestClient.connect(URI.create("ws://127.0.0.1:" + port + "/"))) {
            return JsonParser.parseString(client.send(frame).next()).getAsJsonObject();
        }
    }

    @ParameterizedTest(name = "LTP_STORE={0}")
    @ValueSource(strings = {"sqlite", "postgresql", "redis"})
    @DisplayName("a thread created before a crash (SIGKILL) is resumable after the restart")
    void threadsSurviveACrash(String kind) throws Exception {
        String spec = storeSpec(kind);
        String clientId = "restart-" + UUID.randomUUID();
        String threadId;
        Process first = StandaloneJarIT.start("LTP_STORE", spec);
        try {
            int port = StandaloneJarIT.awaitPort(first);
            JsonObject ack = handshake(port, "{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\""
                    + clientId + "\"}");
            assertThat(ack.get("type").getAsString()).isEqualTo("handshake_ack");
            threadId = ack.get("thread_id").getAsString();
        } finally {
            first.destroyForcibly();
            first.waitFor(30, TimeUnit.SECONDS);
        }
        Process second = StandaloneJarIT.start("LTP_STORE", spec);
        try {
            int port = StandaloneJarIT.awaitPort(second);
            JsonObject ack = handshake(port, "{\"type\":\"handshake_resume\",\"ltp_version\":\"0.3\",\"client_id\":\""
                    + clientId + "\",\"thread_id\":\"" + threadId + "\"}");
            assertThat(ack.get("type").getAsString()).as(ack.toString()).isEqualTo("handshake_ack");
            assertThat(ack.get("thread_id").getAsString()).isEqualTo(threadId);
            assertThat(ack.get("resumed").getAsBoolean()).isTrue();
        } finally {
            second.destroy();
            second.waitFor(30, TimeUnit.SECONDS);
            if (spec.contains("currentSchema=")) {
                try (Connection c = DriverManager.getConnection(POSTGRES); Statement s = c.createStatement()) {
                    s.execute("DROP SCHEMA " + spec.substring(spec.indexOf("currentSchema=") + 14) + " CASCADE");
                }
            }
        }
    }
}
