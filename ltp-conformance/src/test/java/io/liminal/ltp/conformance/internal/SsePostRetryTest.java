package io.liminal.ltp.conformance.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The suite's sse-v1 peer posts a message again, with the same number, when the post's connection fails before an
 * answer (a server may close a kept-alive connection between two posts): against a minimal sse-v1 server on
 * 127.0.0.1 that drops a chosen number of posts' connections unanswered.
 */
@Timeout(30)
class SsePostRetryTest {
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<String> postNumbers = new CopyOnWriteArrayList<>();
    private final AtomicInteger postsToDrop = new AtomicInteger();
    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
        threads.shutdownNow();
    }

    private URI start(int drops) throws IOException {
        postsToDrop.set(drops);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(threads);
        server.createContext("/ltp/sse", this::serve);
        server.start();
        return URI.create("ws://127.0.0.1:" + server.getAddress().getPort() + "/ltp");
    }

    private void serve(HttpExchange exchange) throws IOException {
        switch (exchange.getRequestMethod()) {
            case "GET" -> { // the stream: opened, then left open
                exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
                exchange.sendResponseHeaders(200, 0);
                exchange.getResponseBody().write("event: ltp-open\ndata: {\"token\":\"T\"}\n\n"
                        .getBytes(StandardCharsets.UTF_8));
                exchange.getResponseBody().flush();
            }
            case "POST" -> {
                exchange.getRequestBody().readAllBytes();
                postNumbers.add(exchange.getRequestHeaders().getFirst("LTP-Post-Seq"));
                if (postsToDrop.getAndDecrement() > 0) {
                    exchange.close(); // no answer: the connection closes, as a server's idle close can race a post
                } else {
                    exchange.sendResponseHeaders(204, -1);
                    exchange.close();
                }
            }
            default -> {
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            }
        }
    }

    private static Peer connect(URI url, Evidence evidence) {
        return Peer.connectSse("conn#1", url, Map.of(), null, Duration.ofSeconds(5), evidence);
    }

    @Test
    void postWhoseConnectionFailsIsSentAgainWithItsNumber() throws IOException {
        Evidence evidence = new Evidence();
        Peer peer = connect(start(1), evidence);
        assertThat(peer.postForStatus("{\"type\":\"ping\"}")).isEqualTo(204);
        assertThat(peer.postForStatus("{\"type\":\"ping\"}")).isEqualTo(204);
        assertThat(postNumbers).containsExactly("1", "1", "2");
        assertThat(evidence.lines()).anyMatch(line -> line.contains("posting it again with the same LTP-Post-Seq"));
    }

    @Test
    void secondFailureFailsTheCase() throws IOException {
        Evidence evidence = new Evidence();
        Peer peer = connect(start(2), evidence);
        assertThatThrownBy(() -> peer.postForStatus("{\"type\":\"ping\"}")).isInstanceOf(CaseFailed.class)
                .hasMessageContaining("Could not post");
        assertThat(postNumbers).containsExactly("1", "1");
    }
}
