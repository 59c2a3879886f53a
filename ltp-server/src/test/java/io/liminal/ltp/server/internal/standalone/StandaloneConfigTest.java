package io.liminal.ltp.server.internal.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.liminal.ltp.server.LtpServer;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class StandaloneConfigTest {

    private static LtpServer build(String[] args, Map<String, String> env) {
        return StandaloneConfig.parse(args, env).toBuilder().build();
    }

    @Test
    @DisplayName("defaults build a server on 8080; flags win over environment variables")
    void defaultsAndPrecedence() {
        StandaloneConfig config = StandaloneConfig.parse(new String[] {"--port", "0"}, Map.of("PORT", "9999"));
        try (LtpServer server = config.toBuilder().host("127.0.0.1").build().start()) {
            assertThat(server.port()).isNotEqualTo(9999);
        }
        assertThat(StandaloneConfig.parse(new String[0], Map.of()).storeDescription()).isEqualTo("memory");
        assertThat(StandaloneConfig.parse(new String[] {"--port=0", "--handler", "silent"}, Map.of())).isNotNull();
    }

    @Test
    @DisplayName("with the in-memory store, the built-in handlers run on the I/O threads (nonBlockingHandler)")
    void builtInHandlersOnIoThreads() {
        for (String handler : new String[] {"reference", "silent"}) {
            LtpServer.Builder builder = StandaloneConfig.parse(new String[] {"--handler", handler}, Map.of()).toBuilder();
            assertThatThrownBy(() -> builder.applicationExecutor(Runnable::run).build())
                    .hasMessageContaining("nonBlockingHandler");
        }
    }

    @Test
    @DisplayName("invalid values fail at start-up with a message naming the setting")
    void invalidValuesNameTheSetting() {
        assertThatThrownBy(() -> build(new String[0], Map.of("PORT", "eighty"))).hasMessageContaining("PORT")
                .hasMessageContaining("integer");
        assertThatThrownBy(() -> build(new String[0], Map.of("LTP_HEARTBEAT_MS", "0"))).hasMessageContaining("LTP_HEARTBEAT_MS");
        assertThatThrownBy(() -> build(new String[0], Map.of("LTP_MAX_CONNECTIONS", "-1"))).hasMessageContaining("LTP_MAX_CONNECTIONS");
        assertThatThrownBy(() -> build(new String[0], Map.of("LTP_HTTP_PORT", "70000"))).hasMessageContaining("LTP_HTTP_PORT");
        assertThatThrownBy(() -> build(new String[0], Map.of("LTP_STORE", "cassandra://x"))).hasMessageContaining("LTP_STORE");
        assertThatThrownBy(() -> build(new String[0], Map.of("LTP_TLS_CERT", "/no/such.pem"))).hasMessageContaining("LTP_TLS_KEY");
        assertThatThrownBy(() -> build(new String[0], Map.of("LTP_TLS_CERT", "/no/cert.pem", "LTP_TLS_KEY", "/no/key.pem")))
                .hasMessageContaining("certificateChain");
        assertThatThrownBy(() -> build(new String[0], Map.of("LTP_AUTH_JWT_SECRET", "too-short"))).hasMessageContaining("LTP_AUTH_JWT_SECRET")
                .hasMessageNotContaining("too-short");
        assertThatThrownBy(() -> build(new String[0], Map.of("LTP_AUTH_ISSUER", "x"))).hasMessageContaining("LTP_AUTH_ISSUER");
        assertThatThrownBy(() -> build(new String[0], Map.of("LTP_ADMIN_TOKEN", "short"))).hasMessageContaining("LTP_ADMIN_TOKEN");
        assertThatThrownBy(() -> build(new String[0], Map.of("LTP_HANDLER", "magic"))).hasMessageContaining("LTP_HANDLER");
        assertThatThrownBy(() -> build(new String[] {"--bogus", "1"}, Map.of())).hasMessageContaining("--bogus");
        assertThatThrownBy(() -> build(new String[] {"--port"}, Map.of())).hasMessageContaining("--port");
    }

    @Test
    @DisplayName("every bound has a flag and a variable; allowances read COUNT/WINDOW or 0")
    void bounds() {
        Map<String, String> env = Map.ofEntries(Map.entry("PORT", "0"),
                Map.entry("LTP_HANDSHAKES_PER_ADDRESS", "10/5s"), Map.entry("LTP_PING_LIMIT", "0"),
                Map.entry("LTP_ERROR_LIMIT", "5/500ms"), Map.entry("LTP_MAX_PENDING_CONNECTIONS", "7"),
                Map.entry("LTP_MAX_PENDING_PER_ADDRESS", "0"), Map.entry("LTP_REQUEST_TIMEOUT_MS", "1500"),
                Map.entry("LTP_CLOSE_TIMEOUT_MS", "800"), Map.entry("LTP_MAX_FRAGMENTS", "9"),
                Map.entry("LTP_MAX_BUFFERED_INBOUND_BYTES", "1000000"), Map.entry("LTP_WS_PING_LIMIT", "3/1m"),
                Map.entry("LTP_MAX_OUTBOUND_BYTES", "65536"), Map.entry("LTP_ALLOWED_ORIGINS", "https://a, https://b"),
                Map.entry("LTP_TRUSTED_PROXIES", "10.0.0.0/8,127.0.0.1"), Map.entry("LTP_MAX_THREADS", "5"),
                Map.entry("LTP_MAX_CLIENT_ID_BYTES", "32"), Map.entry("LTP_MAX_HELD_BYTES", "4096"),
                Map.entry("LTP_MAX_PENDING_HANDSHAKES", "3"), Map.entry("LTP_MAX_MESSAGE_BYTES", "2048"),
                Map.entry("LTP_HARD_FRAME_LIMIT_BYTES", "4096"), Map.entry("LTP_DELIVERY_BATCH", "16"));
        assertThat(build(new String[0], env)).isNotNull();
        for (String name : new String[] {"LTP_HANDSHAKES_PER_ADDRESS", "LTP_PING_LIMIT", "LTP_WS_PING_LIMIT"}) {
            assertThatThrownBy(() -> build(new String[0], Map.of(name, "ten"))).hasMessageContaining(name)
                    .hasMessageContaining("COUNT/WINDOW");
        }
        for (String batch : new String[] {"0", "257"}) {
            assertThatThrownBy(() -> build(new String[0], Map.of("LTP_DELIVERY_BATCH", batch)))
                    .hasMessageContaining("LTP_DELIVERY_BATCH");
        }
        assertThatThrownBy(() -> build(new String[0], Map.of("LTP_TRUSTED_PROXIES", "proxy.internal")))
                .hasMessageContaining("LTP_TRUSTED_PROXIES");
        assertThatThrownBy(() -> build(new String[0], Map.of("LTP_MAX_MESSAGE_BYTES", "4096",
                "LTP_HARD_FRAME_LIMIT_BYTES", "100"))).hasMessageContaining("LTP_HARD_FRAME_LIMIT_BYTES");
        assertThat(StandaloneConfig.usage()).contains("LTP_MAX_PENDING_CONNECTIONS", "LTP_TRUSTED_PROXIES",
                "LTP_ALLOWED_ORIGINS", "LTP_ERROR_LIMIT");
    }

    @Test
    @DisplayName("a store URL's secret never appears in its description or in an error")
    void storeSecretsRedacted() {
        StandaloneConfig config = StandaloneConfig.parse(new String[0],
                Map.of("LTP_STORE", "cassandra://admin:s3cret@db:9042?password=s3cret"));
        assertThat(config.storeDescription()).doesNotContain("s3cret");
        assertThatThrownBy(config::toBuilder).hasMessageContaining("LTP_STORE").hasMessageNotContaining("s3cret");
    }

    @Test
    @DisplayName("a JWT secret and an admin token configure authentication and drain")
    void authAndAdmin() {
        LtpServer server = build(new String[0], Map.of("LTP_AUTH_JWT_SECRET", "0123456789abcdef0123456789abcdef",
                "LTP_AUTH_ISSUER", "https://id.example", "LTP_ADMIN_TOKEN", "0123456789abcdef", "PORT", "0"));
        assertThat(server).isNotNull();
        assertThat(StandaloneConfig.usage()).contains("LTP_STORE", "LTP_TLS_CERT", "LTP_AUTH_JWT_SECRET", "PORT");
    }

    @Test
    @DisplayName("LTP_SSE turns the sse-v1 fallback off (404 at /ltp/sse) or on (the default); its timings are "
            + "checked like every bound")
    void sseSetting() {
        for (String setting : new String[] {"off", "on"}) {
            StandaloneConfig config = StandaloneConfig.parse(new String[] {"--port", "0", "--host", "127.0.0.1"},
                    Map.of("LTP_SSE", setting, "LTP_SSE_KEEPALIVE_MS", "1000", "LTP_SSE_STREAM_WAIT_MS", "2000"));
            try (LtpServer server = config.toBuilder().build().start()) {
                int status = io.liminal.ltp.testing.SseTestClient.streamStatus(
                        java.net.URI.create("http://127.0.0.1:" + server.port()), Map.of());
                assertThat(status).as(setting).isEqualTo(setting.equals("on") ? 200 : 404);
            }
        }
        assertThatThrownBy(() -> build(new String[0], Map.of("LTP_SSE", "maybe"))).hasMessageContaining("LTP_SSE");
        assertThatThrownBy(() -> build(new String[0], Map.of("LTP_SSE_STREAM_WAIT_MS", "0")))
                .hasMessageContaining("LTP_SSE_STREAM_WAIT_MS");
    }
}
