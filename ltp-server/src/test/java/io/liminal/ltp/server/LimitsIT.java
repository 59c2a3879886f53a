package io.liminal.ltp.server;

import static io.liminal.ltp.server.TestFrames.errorCode;
import static io.liminal.ltp.server.TestFrames.init;
import static io.liminal.ltp.server.TestFrames.json;
import static io.liminal.ltp.server.TestFrames.ping;
import static io.liminal.ltp.server.TestFrames.resume;
import static io.liminal.ltp.server.TestFrames.stateUpdate;
import static io.liminal.ltp.server.TestFrames.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.liminal.ltp.testing.WsTestClient;
import java.net.URI;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The server's limits over real sockets (their exact rules are in EngineTest, on virtual time). */
@Timeout(60)
class LimitsIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private LtpServer server;

    private URI start(Consumer<LtpServer.Builder> configure) {
        LtpServer.Builder builder = LtpServer.builder().host("127.0.0.1").port(0);
        configure.accept(builder);
        server = builder.build().start();
        return URI.create("ws://127.0.0.1:" + server.port() + "/");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** {@code threads.stored} of {@code /health} (refreshed by every sweep). */
    private long storedThreads() throws Exception {
        java.net.http.HttpResponse<String> health = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health"))
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        return json(health.body()).getAsJsonObject("threads").get("stored").getAsLong();
    }

    @Test
    @DisplayName("maxConnections: the connection over the limit is closed 1008 Server at capacity; the others work")
    void capacity() {
        URI uri = start(b -> b.maxConnections(2));
        try (WsTestClient first = WsTestClient.connect(uri); WsTestClient second = WsTestClient.connect(uri);
             WsTestClient third = WsTestClient.connect(uri)) {
            WsTestClient.Close close = third.awaitClose(WAIT);
            assertThat(close.code()).isEqualTo(1008);
            assertThat(close.reason()).isEqualTo("Server at capacity");
            assertThat(type(first.send(init("a")).next())).isEqualTo("handshake_ack");
            assertThat(type(second.send(init("b")).next())).isEqualTo("handshake_ack");
        }
    }

    @Test
    @DisplayName("maxConnectionsPerClient: a second session of one client id is refused with 1008")
    void perClient() {
        URI uri = start(b -> b.maxConnectionsPerClient(1));
        try (WsTestClient first = WsTestClient.connect(uri); WsTestClient second = WsTestClient.connect(uri)) {
            JsonObject ack = json(first.send(init("same")).next());
            assertThat(errorCode(second.send(resume("same", ack.get("thread_id").getAsString())).next()))
                    .isEqualTo("RATE_LIMIT_EXCEEDED");
            assertThat(second.awaitClose(WAIT).code()).isEqualTo(1008);
            assertThat(type(first.send(ping(ack)).next())).isEqualTo("pong");
        }
    }

    @Test
    @DisplayName("rate limit: RATE_LIMIT_EXCEEDED without closing; pings stay exempt")
    void rateLimit() {
        URI uri = start(b -> b.rateLimit(3, Duration.ofMinutes(1)));
        try (WsTestClient client = WsTestClient.connect(uri)) {
            JsonObject ack = json(client.send(init("chatty")).next());
            for (int i = 0; i < 3; i++) {
                client.send(stateUpdate(ack, "minimal", "{}"));
            }
            assertThat(errorCode(client.send(stateUpdate(ack, "minimal", "{}")).next())).isEqualTo("RATE_LIMIT_EXCEEDED");
            assertThat(type(client.send(ping(ack)).next())).isEqualTo("pong");
            assertThat(client.isClosed()).isFalse();
        }
    }

    @Test
    @DisplayName("maxThreads: an init beyond it is refused with 1008 Server at capacity")
    void maxThreads() {
        URI uri = start(b -> b.maxThreads(1));
        try (WsTestClient first = WsTestClient.connect(uri); WsTestClient second = WsTestClient.connect(uri)) {
            assertThat(type(first.send(init("one")).next())).isEqualTo("handshake_ack");
            assertThat(errorCode(second.send(init("two")).next())).isEqualTo("RATE_LIMIT_EXCEEDED");
            WsTestClient.Close close = second.awaitClose(WAIT);
            assertThat(close.code()).isEqualTo(1008);
            assertThat(close.reason()).isEqualTo("Server at capacity");
        }
    }

    @Test
    @DisplayName("threads outlive their connection for the TTL; then the sweeper evicts them and resume is rejected")
    void threadTtl() throws Exception {
        URI uri = start(b -> b.threadTtl(Duration.ofMillis(1500)).sweepInterval(Duration.ofMillis(200)));
        String thread;
        try (WsTestClient client = WsTestClient.connect(uri)) {
            thread = json(client.send(init("ttl")).next()).get("thread_id").getAsString();
        }
        try (WsTestClient soon = WsTestClient.connect(uri)) {
            assertThat(json(soon.send(resume("ttl", thread)).next()).get("resumed").getAsBoolean()).isTrue();
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (storedThreads() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50); // the sweeper runs on real time here
        }
        assertThat(storedThreads()).isZero();
        try (WsTestClient late = WsTestClient.connect(uri)) {
            JsonObject reject = json(late.send(resume("ttl", thread)).next());
            assertThat(reject.get("type").getAsString()).isEqualTo("handshake_reject");
            assertThat(reject.get("reason").getAsString()).isEqualTo("thread_not_found");
        }
    }
}
