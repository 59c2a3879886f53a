package io.liminal.ltp.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.internal.standalone.StandaloneConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** LTP_CLUSTER and LTP_NODE_ID as the standalone server reads them, with the real bus provider of ltp-redis. */
class ClusterSettingsTest {

    @Test
    void clusterAndNodeIdJoinTheRedisBus() {
        Map<String, String> env = Map.of("LTP_CLUSTER",
                System.getenv().getOrDefault("LTP_TEST_REDIS_URL", "redis://127.0.0.1:6379"), "LTP_NODE_ID", "node-7",
                "PORT", "0", "LTP_HOST", "127.0.0.1");
        LtpServer server = StandaloneConfig.parse(new String[0], env).toBuilder().build().start();
        try {
            assertThat(health(server)).contains("\"node\":\"node-7\"").contains("\"bus\":\"connected\"");
        } finally {
            server.close();
        }
    }

    @Test
    void nodeIdWithoutClusterIsRefused() {
        Throwable failure = catchThrowable(() -> StandaloneConfig.parse(new String[0],
                Map.of("LTP_NODE_ID", "node-7")).toBuilder());
        assertThat(failure).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("LTP_NODE_ID")
                .hasMessageContaining("needs LTP_CLUSTER");
    }

    @Test
    void unknownBusIsRefusedNamingTheKnownOnes() {
        Throwable failure = catchThrowable(() -> StandaloneConfig.parse(new String[0],
                Map.of("LTP_CLUSTER", "nats://127.0.0.1:4222")).toBuilder());
        assertThat(failure).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("LTP_CLUSTER")
                .hasMessageContaining("redis://HOST:PORT");
    }

    private static String health(LtpServer server) {
        try {
            return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + server.port() + "/health")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
