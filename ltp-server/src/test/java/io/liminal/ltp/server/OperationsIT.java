package io.liminal.ltp.server;

import static io.liminal.ltp.server.TestFrames.init;
import static io.liminal.ltp.server.TestFrames.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import io.liminal.ltp.testing.WsTestClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The HTTP endpoints and the drain/shutdown sequence over real HTTP. */
@Timeout(60)
class OperationsIT {
    private static final String ADMIN = "admin-token-0123456789";
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(int port, String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @DisplayName("/health, /ready and /metrics on the WebSocket port and on a separate HTTP port")
    void endpoints() throws Exception {
        try (LtpServer server = LtpServer.builder().host("127.0.0.1").port(0).httpPort(0).build().start();
             WsTestClient client = WsTestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/"))) {
            client.send(init("c")).next();
            for (int port : new int[] {server.port(), server.httpPort()}) {
                HttpResponse<String> health = get(port, "/health");
                assertThat(health.statusCode()).isEqualTo(200);
                assertThat(health.headers().firstValue("content-type")).contains("application/json");
                JsonObject body = json(health.body());
                assertThat(body.get("status").getAsString()).isEqualTo("ok");
                assertThat(body.get("connections").getAsInt()).isEqualTo(1);
                assertThat(get(port, "/ready").statusCode()).isEqualTo(200);
                assertThat(get(port, "/missing").statusCode()).isEqualTo(404);
            }
            HttpResponse<String> metrics = get(server.httpPort(), "/metrics");
            assertThat(metrics.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
            assertThat(metrics.body()).contains("ltp_connections_active 1.0",
                    "ltp_handshakes_total{outcome=\"accepted_new\"} 1.0");
            assertThat(get(server.port(), "/metrics").statusCode()).as("only on the HTTP endpoints port")
                    .isEqualTo(404);
            assertThat(server.httpPort()).isNotEqualTo(server.port());
        }
    }

    @Test
    @DisplayName("POST /admin/drain: 401 without the token; with it: not ready, 1001 to clients, 503 to new upgrades")
    void drainOverHttp() throws Exception {
        try (LtpServer server = LtpServer.builder().host("127.0.0.1").port(0).adminToken(ADMIN).build().start();
             WsTestClient client = WsTestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/"))) {
            client.send(init("c")).next();
            assertThat(post(server.port(), "/admin/drain", null).statusCode()).isEqualTo(401);
            assertThat(post(server.port(), "/admin/drain", "wrong-token-0123456789").statusCode()).isEqualTo(401);
            assertThat(post(server.port(), "/admin/drain", ADMIN).statusCode()).isEqualTo(202);
            assertThat(client.awaitClose(Duration.ofSeconds(10)).code()).isEqualTo(1001);
            assertThat(get(server.port(), "/ready").statusCode()).isEqualTo(503);
            assertThat(json(get(server.port(), "/health").body()).get("status").getAsString()).isEqualTo("draining");
            assertThatThrownBy(() -> WsTestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/")))
                    .hasStackTraceContaining("503");
        }
    }

    @Test
    @DisplayName("shutdown(grace) closes clients with 1001 and releases the port")
    void shutdown() throws Exception {
        LtpServer server = LtpServer.builder().host("127.0.0.1").port(0).build().start();
        int port = server.port();
        try (WsTestClient client = WsTestClient.connect(URI.create("ws://127.0.0.1:" + port + "/"))) {
            client.send(init("c")).next();
            server.shutdown(Duration.ofSeconds(5));
            assertThat(client.awaitClose(Duration.ofSeconds(10)).code()).isEqualTo(1001);
        }
        assertThatThrownBy(() -> get(port, "/health")).isInstanceOf(IOException.class);
        try (LtpServer again = LtpServer.builder().host("127.0.0.1").port(port).build().start()) {
            assertThat(again.port()).isEqualTo(port);
        }
    }

    @Test
    @DisplayName("the builder validates eagerly and names the setting")
    void builderValidation() {
        assertThatThrownBy(() -> LtpServer.builder().port(70_000)).hasMessageContaining("port");
        assertThatThrownBy(() -> LtpServer.builder().heartbeatInterval(Duration.ZERO)).hasMessageContaining("heartbeatInterval");
        assertThatThrownBy(() -> LtpServer.builder().customTypes("nocolon")).hasMessageContaining("customTypes");
        assertThatThrownBy(() -> LtpServer.builder().adminToken("short")).hasMessageContaining("adminToken");
        assertThatThrownBy(() -> LtpServer.builder().maxConnections(0)).hasMessageContaining("maxConnections");
    }
}
