package io.liminal.ltp.server.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.server.LtpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Finding 11: the HTTP side answers with the right status and closes where it must. */
class HttpIT extends HostileTest {

    /** Sends a raw request; returns the whole response, read until the server closes (or 10 s). */
    private static String exchange(int port, String request) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static String upgrade(Map<String, String> extra) {
        StringBuilder request = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n");
        extra.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        return request.append("\r\n").toString();
    }

    @Test
    @DisplayName("100 KB of headers: 431 and close, not 400 and keep-alive")
    void hugeHeaders() throws Exception {
        start(b -> { });
        String response = exchange(server.port(), "GET /health HTTP/1.1\r\nHost: x\r\nX-Pad: " + "p".repeat(100_000)
                + "\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 431").containsIgnoringCase("connection: close");
        assertThat(transportEvents("http_refused")).isEqualTo(1);
    }

    @Test
    @DisplayName("an upgrade without Sec-WebSocket-Key: 400 with a reason, not a silent close")
    void upgradeWithoutKey() throws Exception {
        start(b -> { });
        assertThat(exchange(server.port(), upgrade(Map.of()))).startsWith("HTTP/1.1 400")
                .contains("missing Sec-WebSocket-Key");
    }

    @Test
    @DisplayName("with an Origin allow-list, other browser origins get 403; listed ones and non-browsers upgrade")
    void originAllowList() throws Exception {
        start(b -> b.allowedOrigins("https://app.example.com"));
        String key = "dGhlIHNhbXBsZSBub25jZQ==";
        assertThat(exchange(server.port(), upgrade(Map.of("Sec-WebSocket-Key", key, "Origin",
                "https://evil.example")))).startsWith("HTTP/1.1 403");
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.getOutputStream().write(upgrade(Map.of("Sec-WebSocket-Key", key, "Origin",
                    "https://app.example.com")).getBytes(StandardCharsets.ISO_8859_1));
            byte[] head = socket.getInputStream().readNBytes(12);
            assertThat(new String(head, StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 101");
        }
        assertThat(transportEvents("origin_refused")).isEqualTo(1);
    }

    @Test
    @DisplayName("with an HTTP endpoints port, /metrics and /admin are served there only")
    void endpointsOnTheirOwnPort() throws Exception {
        start(b -> { });
        assertThat(get(server.port(), "/metrics").statusCode()).isEqualTo(404);
        assertThat(get(server.port(), "/admin/drain").statusCode()).isEqualTo(404);
        assertThat(get(server.port(), "/health").statusCode()).isEqualTo(200);
        assertThat(get(server.httpPort(), "/metrics").statusCode()).isEqualTo(200);
    }

    @Test
    @DisplayName("/admin/drain takes the Bearer scheme in any case, and only the right token")
    void bearerSchemeInAnyCase() throws Exception {
        start(b -> { });
        try (LtpServer other = LtpServer.builder().host("127.0.0.1").port(0).httpPort(0).adminToken(ADMIN_TOKEN)
                .build().start()) {
            String wrong = exchange(other.httpPort(), "POST /admin/drain HTTP/1.1\r\nHost: x\r\nAuthorization: bearer "
                    + "nope-nope-nope-nope\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            assertThat(wrong).startsWith("HTTP/1.1 401");
            String right = exchange(other.httpPort(), "POST /admin/drain HTTP/1.1\r\nHost: x\r\nAuthorization: bearer "
                    + ADMIN_TOKEN + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            assertThat(right).startsWith("HTTP/1.1 202");
            assertThat(other.isReady()).isFalse();
        }
    }
}
