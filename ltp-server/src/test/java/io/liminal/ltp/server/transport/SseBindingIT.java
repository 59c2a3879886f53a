package io.liminal.ltp.server.transport;

import static io.liminal.ltp.server.TestFrames.errorCode;
import static io.liminal.ltp.server.TestFrames.event;
import static io.liminal.ltp.server.TestFrames.init;
import static io.liminal.ltp.server.TestFrames.json;
import static io.liminal.ltp.server.TestFrames.ping;
import static io.liminal.ltp.server.TestFrames.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import io.liminal.ltp.testing.SseTestClient;
import io.liminal.ltp.testing.TcpProxy;
import io.liminal.ltp.testing.WsTestClient;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The sse-v1 binding (docs/extensions/sse-v1.md) on the Netty transport, over real sockets on 127.0.0.1. */
@Timeout(60)
class SseBindingIT {
    private final List<String> handled = Collections.synchronizedList(new ArrayList<>());
    private final CompletableFuture<Integer> closedCode = new CompletableFuture<>();
    /** Holds the handler's {@code block} events. */
    private final CountDownLatch release = new CountDownLatch(1);
    private LtpServer server;
    private URI base;

    private void start(TransportLimits limits) {
        start(limits, Duration.ofSeconds(15));
    }

    private void start(TransportLimits limits, Duration heartbeat) {
        server = LtpServer.builder().host("127.0.0.1").port(0).noRateLimit()
                .transportLimits(limits).heartbeatInterval(heartbeat).maxHandlerBacklog(1)
                .handler(new LtpHandler() {
                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        if (event.eventType().equals("block")) {
                            await(release);
                        }
                        handled.add(event.data().getAsString());
                        session.reply(Envelope.builder("event")
                                .payload(new EventPayload("echo", event.data()).toJson()).build());
                    }

                    @Override
                    public void onSessionClosed(SessionContext session, int code, String reason) {
                        closedCode.complete(code);
                    }
                })
                .build().start();
        base = URI.create("http://127.0.0.1:" + server.port());
    }

    private void start() {
        start(TransportLimits.DEFAULTS);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** Opens a connection and completes its handshake; returns the ack. */
    private static JsonObject handshake(SseTestClient client) {
        assertThat(client.post(init("sse-client")).statusCode()).isEqualTo(204);
        String ack = client.nextMessage();
        assertThat(type(ack)).isEqualTo("handshake_ack");
        return json(ack);
    }

    private static String eventData(String message) {
        assertThat(type(message)).as(message).isEqualTo("event");
        return json(message).getAsJsonObject("payload").get("data").getAsString();
    }

    @Test
    @DisplayName("a whole conversation over SSE: ltp-open with a token, handshake by POST, ack with sse-v1 on the "
            + "stream, events answered, ping/pong; ids are <token>.<n> in order")
    void conversation() {
        start();
        try (SseTestClient client = SseTestClient.open(base)) {
            assertThat(client.token()).matches("[A-Za-z0-9_-]{22}");
            JsonObject ack = handshake(client);
            assertThat(ack.getAsJsonArray("server_capabilities").toString()).contains("\"sse-v1\"");
            assertThat(client.lastEventId()).isEqualTo(client.token() + ".1");

            assertThat(client.post(event(ack, "note", "\"one\""), event(ack, "note", "\"two\"")).statusCode())
                    .isEqualTo(204);
            assertThat(eventData(client.nextMessage())).isEqualTo("one");
            assertThat(eventData(client.nextMessage())).isEqualTo("two");
            assertThat(client.post(ping(ack)).statusCode()).isEqualTo(204);
            assertThat(type(client.nextMessage())).isEqualTo("pong");
            assertThat(client.lastEventId()).isEqualTo(client.token() + ".4");
            assertThat(handled).containsExactly("one", "two");
        }
        assertThat(server.meterRegistry().get("ltp_transport_connections_total").tag("transport", "sse").counter()
                .count()).isEqualTo(1);
    }

    @Test
    @DisplayName("the WebSocket ack lists sse-v1 too (discovery), and sseBinding(false) takes the path away (404)")
    void discovery() {
        start();
        try (WsTestClient ws = WsTestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/"))) {
            assertThat(json(ws.send(init("ws-client")).next()).getAsJsonArray("server_capabilities").toString())
                    .contains("\"sse-v1\"");
        }
        server.close();
        server = LtpServer.builder().host("127.0.0.1").port(0).sseBinding(false).handler(new LtpHandler() { })
                .build().start();
        URI other = URI.create("http://127.0.0.1:" + server.port());
        assertThat(SseTestClient.streamStatus(other, Map.of())).isEqualTo(404);
        try (WsTestClient ws = WsTestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/"))) {
            assertThat(json(ws.send(init("ws-client")).next()).getAsJsonArray("server_capabilities").toString())
                    .doesNotContain("sse-v1");
        }
    }

    @Test
    @DisplayName("one bad message in a post gets its error on the stream; the messages after it are still handled")
    void badMessageInAPost() {
        start();
        try (SseTestClient client = SseTestClient.open(base)) {
            JsonObject ack = handshake(client);
            assertThat(client.post(event(ack, "note", "\"before\""), "{not json", event(ack, "note", "\"after\""))
                    .statusCode()).isEqualTo(204);
            // The error comes from the connection, the echoes from the handler: their order on the stream is free.
            List<String> answers = List.of(client.nextMessage(), client.nextMessage(), client.nextMessage());
            assertThat(answers).filteredOn(m -> type(m).equals("error")).singleElement()
                    .satisfies(error -> assertThat(errorCode(error)).isEqualTo("MALFORMED_MESSAGE"));
            assertThat(answers).filteredOn(m -> type(m).equals("event")).extracting(SseBindingIT::eventData)
                    .containsExactly("before", "after");
            assertThat(handled).containsExactly("before", "after");
        }
    }

    @Test
    @DisplayName("post numbers: a retried post is answered 204 and not handled twice, a gap is 409, messages "
            + "without a number 400; an empty post without one only acknowledges")
    void postNumbers() {
        start();
        try (SseTestClient client = SseTestClient.open(base)) {
            JsonObject ack = handshake(client); // post 1
            String once = event(ack, "note", "\"once\"");
            assertThat(client.post(2, "application/json", once, Map.of()).statusCode()).isEqualTo(204);
            assertThat(client.post(2, "application/json", once, Map.of()).statusCode()).as("a retry").isEqualTo(204);
            HttpResponse<String> gap = client.post(4, "application/json", once, Map.of());
            assertThat(gap.statusCode()).isEqualTo(409);
            assertThat(gap.body()).contains("expected post 3");
            assertThat(client.post(-1, "application/json", once, Map.of()).statusCode()).isEqualTo(400);
            assertThat(client.post(-1, null, "", Map.of()).statusCode()).isEqualTo(204);
            assertThat(client.post(3, "application/json", event(ack, "note", "\"then\""), Map.of()).statusCode())
                    .isEqualTo(204);

            assertThat(eventData(client.nextMessage())).isEqualTo("once");
            assertThat(eventData(client.nextMessage())).isEqualTo("then");
            assertThat(handled).containsExactly("once", "then");
        }
    }

    @Test
    @DisplayName("posts that name no connection are 404; a body over the message limit is 413; invalid UTF-8 is "
            + "400; a chunked post is 411; the connection is unharmed by all of them")
    void refusedPosts() {
        start();
        try (SseTestClient client = SseTestClient.open(base)) {
            JsonObject ack = handshake(client);
            assertThat(client.post(5, "application/json", "{}", Map.of("LTP-Token", "A".repeat(22))).statusCode())
                    .as("a token of nobody").isEqualTo(404);
            String huge = event(ack, "note", "\"" + "x".repeat(1_048_576) + "\"");
            assertThat(client.post(2, "application/json", huge, Map.of()).statusCode()).isEqualTo(413);
            assertThat(rawPost(client.token(), new byte[] {'{', (byte) 0xC3, '}'}, false)).startsWith("HTTP/1.1 400");
            assertThat(rawPost(client.token(), "{}".getBytes(), true)).startsWith("HTTP/1.1 411")
                    .as("refused unread: the rest of its body is not a next request")
                    .containsIgnoringCase("connection: close");

            assertThat(client.post(2, "application/json", event(ack, "note", "\"fine\""), Map.of()).statusCode())
                    .isEqualTo(204);
            assertThat(eventData(client.nextMessage())).isEqualTo("fine");
        }
        assertThat(server.meterRegistry().get("ltp_transport_events_total").tag("event", "sse_unknown_token")
                .counter().count()).isEqualTo(1);
    }

    /** A post written by hand (what HttpClient will not send): the status line and headers of the answer. */
    private String rawPost(String token, byte[] body, boolean chunked) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            String head = "POST /ltp/sse HTTP/1.1\r\nHost: 127.0.0.1\r\nLTP-Token: " + token
                    + "\r\nLTP-Post-Seq: 2\r\nContent-Type: application/json\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(body.length) + "\r\n"
                            : "Content-Length: " + body.length + "\r\n\r\n");
            socket.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().write(body);
            if (chunked) {
                socket.getOutputStream().write("\r\n0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            socket.getOutputStream().flush();
            byte[] answer = new byte[256];
            int read = socket.getInputStream().read(answer);
            return new String(answer, 0, Math.max(read, 0), java.nio.charset.StandardCharsets.US_ASCII);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    @DisplayName("a stream cut by the network loses nothing: what was sent meanwhile comes after the reopen with "
            + "Last-Event-ID, in order, and nothing acknowledged is sent twice")
    void cutStream() throws Exception {
        start();
        try (TcpProxy proxy = TcpProxy.start(server.port());
                SseTestClient client = SseTestClient.open(URI.create("http://127.0.0.1:" + proxy.port()), base,
                        Map.of())) {
            JsonObject ack = handshake(client);
            assertThat(client.post(event(ack, "note", "\"a\"")).statusCode()).isEqualTo(204);
            assertThat(eventData(client.nextMessage())).isEqualTo("a");

            proxy.cutAll();
            client.streamEnded().get(10, TimeUnit.SECONDS);
            for (String data : List.of("b", "c", "d")) {
                assertThat(client.post(event(ack, "note", "\"" + data + "\"")).statusCode()).isEqualTo(204);
            }
            assertThat(client.reopen()).isEqualTo(200);
            assertThat(eventData(client.nextMessage())).isEqualTo("b");
            assertThat(eventData(client.nextMessage())).isEqualTo("c");
            assertThat(eventData(client.nextMessage())).isEqualTo("d");
            assertThat(client.poll(Duration.ofMillis(200))).as("nothing twice").isNull();
            assertThat(client.lastEventId()).isEqualTo(client.token() + ".5");
        }
    }

    @Test
    @DisplayName("a connection whose stream is not reopened within sseStreamWait ends as a drop (1006); a reopen "
            + "after that is 404")
    void streamNotReopened() throws Exception {
        start(TransportLimits.builder().sseStreamWait(Duration.ofMillis(300)).build());
        try (TcpProxy proxy = TcpProxy.start(server.port());
                SseTestClient client = SseTestClient.open(URI.create("http://127.0.0.1:" + proxy.port()), base,
                        Map.of())) {
            handshake(client);
            proxy.cutAll();
            assertThat(closedCode.get(10, TimeUnit.SECONDS)).isEqualTo(1006);
            assertThat(client.reopen()).isEqualTo(404);
        }
        assertThat(server.meterRegistry().get("ltp_transport_events_total").tag("event", "sse_stream_timeout")
                .counter().count()).isEqualTo(1);
    }

    @Test
    @DisplayName("a server close (drain: 1001) is an ltp-close event with an id, then the stream ends; a client "
            + "that missed it gets it on reopen")
    void serverClose() throws Exception {
        start();
        try (SseTestClient client = SseTestClient.open(base)) {
            handshake(client);
            server.drain();
            SseTestClient.Event close = client.next();
            assertThat(close.type()).isEqualTo("ltp-close");
            assertThat(json(close.data()).get("code").getAsInt()).isEqualTo(1001);
            assertThat(close.id()).isEqualTo(client.token() + ".2");
            client.streamEnded().get(10, TimeUnit.SECONDS);
            assertThat(SseTestClient.streamStatus(base, Map.of())).as("no new stream while draining").isEqualTo(503);
        }
    }

    @Test
    @DisplayName("a close event cut off before the client read it comes on reopen (heartbeat timeout while the "
            + "stream is stalled)")
    void missedCloseEvent() throws Exception {
        start(TransportLimits.DEFAULTS, Duration.ofMillis(200));
        try (TcpProxy proxy = TcpProxy.start(server.port());
                SseTestClient client = SseTestClient.open(URI.create("http://127.0.0.1:" + proxy.port()), base,
                        Map.of())) {
            handshake(client);
            proxy.stallDownstream(true);
            assertThat(closedCode.get(10, TimeUnit.SECONDS)).as("closed for silence").isEqualTo(1000);
            proxy.cutAll();
            client.streamEnded().get(10, TimeUnit.SECONDS);
            proxy.stallDownstream(false);

            assertThat(client.reopen()).isEqualTo(200);
            SseTestClient.Event close = client.next();
            assertThat(close.type()).isEqualTo("ltp-close");
            assertThat(close.data()).isEqualTo("{\"code\":1000,\"reason\":\"heartbeat_timeout\"}");
            client.streamEnded().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    @DisplayName("DELETE ends the connection with its code: the handler sees it, the stream gets the close event")
    void clientClose() throws Exception {
        start();
        try (SseTestClient client = SseTestClient.open(base)) {
            JsonObject ack = handshake(client);
            assertThat(client.delete(1000, "bye").statusCode()).isEqualTo(204);
            assertThat(closedCode.get(10, TimeUnit.SECONDS)).isEqualTo(1000);
            SseTestClient.Event close = client.next();
            assertThat(close.type()).isEqualTo("ltp-close");
            assertThat(close.data()).isEqualTo("{\"code\":1000,\"reason\":\"bye\"}");
            client.streamEnded().get(10, TimeUnit.SECONDS);
            assertThat(client.post(event(ack, "note", "\"late\"")).statusCode()).isEqualTo(404);
        }
    }

    @Test
    @DisplayName("an idle stream gets a comment every sseKeepAlive")
    void keepAlive() throws Exception {
        start(TransportLimits.builder().sseKeepAlive(Duration.ofMillis(50)).build());
        try (SseTestClient client = SseTestClient.open(base)) {
            client.awaitComments(3);
        }
    }

    @Test
    @DisplayName("an event stream from an origin that is not allowed is refused 403")
    void originRefused() {
        start(TransportLimits.builder().allowedOrigins(List.of("https://app.example.com")).build());
        assertThat(SseTestClient.streamStatus(base, Map.of("Origin", "https://evil.example.com"))).isEqualTo(403);
        assertThat(SseTestClient.streamStatus(base, Map.of("Origin", "https://app.example.com"))).isEqualTo(200);
    }

    @Test
    @DisplayName("events the client does not acknowledge are bounded by maxOutboundBytesPerConnection: past it, "
            + "1008 Slow consumer; the same traffic acknowledged passes")
    void unacknowledgedEventsBounded() throws Exception {
        start(TransportLimits.builder().maxOutboundBytesPerConnection(64 * 1024).build());
        String big = "\"" + "x".repeat(10_000) + "\"";
        try (SseTestClient client = SseTestClient.open(base)) {
            JsonObject ack = handshake(client);
            for (int i = 0; i < 20; i++) {
                assertThat(client.post(event(ack, "note", big)).statusCode()).isEqualTo(204);
                assertThat(type(client.nextMessage())).isEqualTo("event");
            }
        }
        try (SseTestClient client = SseTestClient.open(base)) {
            JsonObject ack = handshake(client);
            client.acknowledging(false);
            for (int i = 0; i < 20 && !closedCode.isDone(); i++) {
                client.post(event(ack, "note", big));
            }
            assertThat(closedCode.get(10, TimeUnit.SECONDS)).isEqualTo(1008);
            SseTestClient.Event last;
            do {
                last = client.next();
            } while (!last.type().equals("ltp-close"));
            assertThat(last.data()).contains("Slow consumer");
        }
        assertThat(server.meterRegistry().get("ltp_transport_events_total").tag("event", "slow_consumer")
                .counter().count()).isEqualTo(1);
    }

    @Test
    @DisplayName("while the server reads nothing from a connection (handler backlog full) one post waits and is "
            + "answered when reading resumes; a further post is 429 and handled nowhere")
    void postsWhileReadingPaused() throws Exception {
        start();
        try (SseTestClient client = SseTestClient.open(base)) {
            JsonObject ack = handshake(client); // post 1
            assertThat(client.post(2, "application/json", event(ack, "block", "\"held\""), Map.of()).statusCode())
                    .isEqualTo(204);
            CompletableFuture<HttpResponse<String>> waiting = client.postAsync(3, "application/json",
                    event(ack, "note", "\"waited\""), Map.of());
            // Post 3 travels on another HTTP connection: until it is there, post 4 is a gap (409).
            HttpResponse<String> busy;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            do {
                busy = client.post(4, "application/json", event(ack, "note", "\"busy\""), Map.of());
            } while (busy.statusCode() == 409 && System.nanoTime() < deadline);
            assertThat(busy.statusCode()).isEqualTo(429);
            assertThat(waiting).isNotDone();

            release.countDown();
            assertThat(waiting.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(204);
            assertThat(client.post(4, "application/json", event(ack, "note", "\"retried\""), Map.of())
                    .statusCode()).isEqualTo(204);
            for (int i = 0; i < 3; i++) {
                client.nextMessage();
            }
            assertThat(handled).containsExactly("held", "waited", "retried");
        }
        assertThat(server.meterRegistry().get("ltp_transport_events_total").tag("event", "sse_post_busy")
                .counter().count()).isEqualTo(1);
    }

    @Test
    @DisplayName("posts being read count toward maxBufferedInboundBytes (503 past it); other requests keep the "
            + "64 KiB body bound (413)")
    void requestBodiesBounded() throws Exception {
        start(TransportLimits.builder().maxBufferedInboundBytes(1_000).build());
        try (SseTestClient client = SseTestClient.open(base)) {
            JsonObject ack = handshake(client);
            assertThat(client.post(2, "application/json", event(ack, "note", "\"" + "y".repeat(2_000) + "\""),
                    Map.of()).statusCode()).isEqualTo(503);
            assertThat(client.post(2, "application/json", event(ack, "note", "\"small\""), Map.of()).statusCode())
                    .as("the budget was given back").isEqualTo(204);
            assertThat(eventData(client.nextMessage())).isEqualTo("small");
        }
        java.net.http.HttpResponse<String> health = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(base.resolve("/health"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("z".repeat(100_000))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(413);
        assertThat(server.meterRegistry().get("ltp_transport_events_total").tag("event", "inbound_buffer_full")
                .counter().count()).isEqualTo(1);
    }

    @Test
    @DisplayName("a reopen ends the connection's older stream (one stream at a time); a position the server never "
            + "sent is 404 and ends the connection")
    void reopenRules() throws Exception {
        start();
        try (SseTestClient client = SseTestClient.open(base)) {
            JsonObject ack = handshake(client);
            CompletableFuture<Void> first = client.streamEnded();
            try (SseTestClient second = SseTestClient.resumeStream(base, client.lastEventId())) {
                first.get(10, TimeUnit.SECONDS);
                assertThat(client.post(event(ack, "note", "\"moved\"")).statusCode()).isEqualTo(204);
                assertThat(eventData(second.nextMessage())).isEqualTo("moved");
            }
            assertThat(SseTestClient.streamStatus(base, Map.of("Last-Event-ID", client.token() + ".99")))
                    .isEqualTo(404);
            assertThat(closedCode.get(10, TimeUnit.SECONDS)).isEqualTo(1006);
        }
    }

    @Test
    @DisplayName("connections by transport: ltp_transport_connections_active counts SSE and WebSocket apart")
    void metricsByTransport() throws Exception {
        start();
        try (SseTestClient client = SseTestClient.open(base);
                WsTestClient ws = WsTestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/"))) {
            handshake(client);
            ws.send(init("ws-client")).next();
            assertThat(server.meterRegistry().get("ltp_transport_connections_active").tag("transport", "sse")
                    .gauge().value()).isEqualTo(1);
            assertThat(server.meterRegistry().get("ltp_transport_connections_active").tag("transport", "websocket")
                    .gauge().value()).isEqualTo(1);
            client.delete(1000, "bye");
            closedCode.get(10, TimeUnit.SECONDS);
            assertThat(server.meterRegistry().get("ltp_transport_connections_active").tag("transport", "sse")
                    .gauge().value()).isEqualTo(0);
        }
    }

    @Test
    @DisplayName("a connection's keep-alive post connections stop counting as pending (clients behind one address "
            + "are not capped by maxPendingPerAddress), at most 4 per connection")
    void postConnectionsAdopted() throws Exception {
        start(TransportLimits.builder().maxPendingPerAddress(3).build());
        List<SseTestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                SseTestClient client = SseTestClient.open(base);
                clients.add(client);
                handshake(client); // its post connection stays open (keep-alive)
            }
            // The first client's posts over six more HTTP connections: with its own, four are adopted; three of
            // these stay pending (the address's limit, so none is refused).
            String token = clients.get(0).token();
            List<java.net.Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 6; i++) {
                    java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port());
                    sockets.add(socket);
                    socket.getOutputStream().write(("POST /ltp/sse HTTP/1.1\r\nHost: x\r\nLTP-Token: " + token
                            + "\r\nContent-Length: 0\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    byte[] answer = new byte[12];
                    assertThat(socket.getInputStream().readNBytes(answer, 0, 12)).isEqualTo(12);
                    assertThat(new String(answer, java.nio.charset.StandardCharsets.US_ASCII))
                            .isEqualTo("HTTP/1.1 204");
                }
                assertThat(server.meterRegistry().get("ltp_connections_pending").gauge().value())
                        .as("the three past the four adopted").isEqualTo(3);
            } finally {
                for (java.net.Socket socket : sockets) {
                    socket.close();
                }
            }
        } finally {
            clients.forEach(SseTestClient::close);
        }
    }

    @Test
    @DisplayName("the browser example page is served only when examplePage(true) asks for it")
    void examplePageOffByDefault() throws Exception {
        start();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(base.resolve("/example/sse")).build();
        assertThat(http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(404);
        server.close();
        server = LtpServer.builder().host("127.0.0.1").port(0).examplePage(true).handler(new LtpHandler() { })
                .build().start();
        java.net.http.HttpResponse<String> page = http.send(java.net.http.HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/example/sse")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("new EventSource(endpoint)");
    }
}
