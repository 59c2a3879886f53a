package io.liminal.ltp.jakarta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.client.LtpClientListener;
import io.liminal.ltp.conformance.CaseResult;
import io.liminal.ltp.conformance.ConformanceReport;
import io.liminal.ltp.conformance.ConformanceSuite;
import io.liminal.ltp.conformance.Outcome;
import io.liminal.ltp.conformance.SuiteOptions;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import io.liminal.ltp.server.auth.AuthResult;
import io.liminal.ltp.testing.RawWebSocket;
import io.liminal.ltp.testing.SelfSignedCertificate;
import io.micrometer.core.instrument.Gauge;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The LTP server engine on Jakarta WebSocket inside embedded Tomcat and Jetty: the conformance suite passes as it
 * does on the Netty transport, and an LtpClient talks to it on the container's port and path.
 */
@Timeout(300)
class JakartaTransportIT {
    @TempDir
    Path directory;
    private LtpServer server;
    private ServletContainer container;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (container != null) {
            container.close();
        }
    }

    private URI start(String kind, LtpServer.Builder builder) throws Exception {
        return start(kind, builder, null);
    }

    private URI start(String kind, LtpServer.Builder builder, SelfSignedCertificate tls) throws Exception {
        JakartaTransport transport = JakartaTransport.create("/ltp");
        server = builder.transport(transport).build().start();
        container = ServletContainer.start(kind, transport, directory, tls);
        return URI.create((tls == null ? "ws" : "wss") + "://127.0.0.1:" + container.port() + "/ltp");
    }

    /** The container's own TLS: wss:// on its connector, the engine unaware of it. */
    @ParameterizedTest
    @ValueSource(strings = {"tomcat", "jetty"})
    void containersTlsCarriesLtp(String kind) throws Exception {
        SelfSignedCertificate certificate = new SelfSignedCertificate(directory);
        URI url = start(kind, LtpServer.builder(), certificate);
        assertThat(url.getScheme()).isEqualTo("wss");
        try (LtpClient client = LtpClient.builder(url).clientId("jakarta-tls")
                .sslContext(certificate.clientContext()).build()) {
            client.connect().get(10, TimeUnit.SECONDS);
            assertThat(client.threadId()).isNotNull();
        }
    }

    /** What the server below is configured to do, as ltp-conformance's own ServerConformanceIT declares it. */
    static final String PROFILE = """
            {
              "heartbeat_interval_ms": 1000,
              "idle_close": true,
              "rate_limit": {"messages": 100, "window_ms": 60000},
              "identity": "thread",
              "max_client_id_bytes": 256,
              "broadcast_trigger": {"type": "event", "payload": {"event_type": "conformance_broadcast", "data": {}}}
            }
            """;

    @ParameterizedTest
    @ValueSource(strings = {"tomcat", "jetty"})
    void conformanceSuitePasses(String kind) throws Exception {
        URI url = start(kind, LtpServer.builder().heartbeatInterval(Duration.ofSeconds(1)).handler(new LtpHandler() {
            @Override
            public void onEvent(SessionContext session, EventPayload event) {
                if ("conformance_broadcast".equals(event.eventType())) { // the profile's broadcast_trigger
                    session.pushToThread(Envelope.builder("event")
                            .payload(new EventPayload("broadcast", new JsonObject()).toJson()).build());
                }
            }
        }));
        ConformanceReport report = ConformanceSuite.testServer(url,
                SuiteOptions.builder().profile(PROFILE).strict(true).build());
        Files.createDirectories(Path.of("target", "conformance"));
        Files.writeString(Path.of("target", "conformance", "jakarta-" + kind + ".txt"), report.toText());
        assertThat(report.results()).as(report.toText()).allSatisfy(result ->
                assertThat(result.outcome()).as(result.title()).isIn(Outcome.PASS, Outcome.SKIP));
        // The same cases skip as on the Netty transport: no per-thread cap, 30 minutes, or options not enabled.
        assertThat(report.results().stream().filter(r -> r.outcome() == Outcome.SKIP).map(CaseResult::id))
                .containsExactlyInAnyOrder("LTP-ENV-004", "LTP-HS-004", "LTP-HB-004", "LTP-SEC-003", "LTP-SEC-004",
                        "LTP-SEC-005", "LTP-SEC-006", "LTP-SEC-007");
        assertThat(report.passed()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tomcat", "jetty"})
    void clientTalksOnTheContainersPortAndTheUpgradeHeadersReachTheAuthenticator(String kind) throws Exception {
        URI url = start(kind, LtpServer.builder()
                .authenticator(request -> "app-key-1".equals(request.requestHeader().apply("x-app-key"))
                        ? AuthResult.allow(request.clientId()) : AuthResult.deny("wrong app key"))
                .handler(new LtpHandler() {
                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        session.reply(Envelope.builder("event").payloadOwned(new EventPayload("echo",
                                event.data()).toJson()).build());
                    }
                }));
        CompletableFuture<String> echoed = new CompletableFuture<>();
        try (LtpClient client = LtpClient.builder(url).clientId("jakarta-client").header("X-App-Key", "app-key-1")
                .listener(new LtpClientListener() {
                    @Override
                    public void onEvent(EventPayload event, Envelope envelope) {
                        echoed.complete(event.data().getAsString());
                    }
                }).build()) {
            client.connect().get(10, TimeUnit.SECONDS);
            client.sendEvent("note", new JsonPrimitive("hello " + kind));
            assertThat(echoed.get(10, TimeUnit.SECONDS)).isEqualTo("hello " + kind);
        }
        try (LtpClient refused = LtpClient.builder(url).clientId("jakarta-intruder").header("X-App-Key", "guess")
                .maxReconnectAttempts(1).build()) {
            assertThatThrownBy(() -> refused.connect().get(10, TimeUnit.SECONDS))
                    .hasMessageContaining("Authentication failed"); // the reason stays on the server
        }
        assertThat(server.meterRegistry().find("ltp_handshakes_total").counters()).isNotEmpty();
    }

    /**
     * A handler that falls behind: reading pauses (Tomcat suspends the session; elsewhere the transport holds the
     * messages), nothing is lost or reordered, and the connection survives to answer every message.
     */
    @ParameterizedTest
    @ValueSource(strings = {"tomcat", "jetty"})
    void slowHandlerPausesReadingAndLosesNothing(String kind) throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        URI url = start(kind, LtpServer.builder().maxHandlerBacklog(8).noRateLimit().handler(new LtpHandler() {
            @Override
            public void onEvent(SessionContext session, EventPayload event) {
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                session.reply(Envelope.builder("event").payloadOwned(new EventPayload("echo", event.data()).toJson())
                        .build());
            }
        }));
        int count = 200;
        java.util.List<Integer> echoed = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        CompletableFuture<Void> all = new CompletableFuture<>();
        try (LtpClient client = LtpClient.builder(url).clientId("jakarta-busy").listener(new LtpClientListener() {
            @Override
            public void onEvent(EventPayload event, Envelope envelope) {
                echoed.add(event.data().getAsInt());
                if (echoed.size() == count) {
                    all.complete(null);
                }
            }
        }).build()) {
            client.connect().get(10, TimeUnit.SECONDS);
            for (int i = 0; i < count; i++) {
                client.sendEvent("work", new JsonPrimitive(i));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (server.meterRegistry().get("ltp_backlog_pauses_total").counter().count() == 0
                    && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(10); // a metric to poll: nothing to wait on
            }
            assertThat(server.meterRegistry().get("ltp_backlog_pauses_total").counter().count())
                    .as("reading paused").isPositive();
            release.countDown();
            all.get(20, TimeUnit.SECONDS);
        }
        java.util.List<Integer> expected = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            expected.add(i);
        }
        assertThat(echoed).containsExactlyElementsOf(expected);
    }

    /**
     * Jetty cannot suspend, so while reading is paused the transport holds what arrives, charged to the shared
     * inbound budget. A client that leaves meanwhile gives the charge back: the budget must not leak, or every
     * connection would in the end be refused with 1013.
     */
    @Test
    void heldMessagesOfAClosedConnectionGiveTheirBudgetBack() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        start("jetty", LtpServer.builder().maxHandlerBacklog(2).noRateLimit().handler(new LtpHandler() {
            @Override
            public void onEvent(SessionContext session, EventPayload event) {
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }));
        URI url = URI.create("ws://127.0.0.1:" + container.port() + "/ltp");
        Gauge buffered = server.meterRegistry().get("ltp_inbound_buffered_bytes").gauge();
        try (LtpClient client = LtpClient.builder(url).clientId("jakarta-leaver").build()) {
            client.connect().get(10, TimeUnit.SECONDS);
            // Messages already on the lane when the pause is asked for still reach the engine; those after it are
            // held. How many come before depends on the machine, so send until some are held (bounded).
            for (int batch = 0; batch < 200 && buffered.value() == 0; batch++) {
                for (int i = 0; i < 10; i++) {
                    client.sendEvent("work", new JsonPrimitive("x".repeat(1000)));
                }
                eventually(() -> buffered.value() > 0, 50);
            }
            assertThat(buffered.value()).as("messages held while paused").isPositive();
        }
        release.countDown();
        assertThat(eventually(() -> buffered.value() == 0)).as("budget given back after the close").isTrue();
    }

    /** A message past the hard limit closes 1009 while it arrives, as on Netty; the container never holds it whole. */
    @ParameterizedTest
    @ValueSource(strings = {"tomcat", "jetty"})
    void messagePastTheHardLimitClosesWith1009(String kind) throws Exception {
        start(kind, LtpServer.builder()
                .limits(io.liminal.ltp.core.codec.Limits.defaults().toBuilder().maxMessageBytes(50_000).build())
                .hardFrameLimitBytes(100_000));
        try (RawWebSocket raw = RawWebSocket.connect(container.port(), "/ltp", List.of("ltp.v0.3"), Map.of())) {
            byte[] fragment = "x".repeat(40_000).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            raw.sendFrame(RawWebSocket.TEXT, fragment, false);
            raw.sendFrame(RawWebSocket.CONTINUATION, fragment, false);
            raw.sendFrame(RawWebSocket.CONTINUATION, fragment, false);
            int code = -1;
            for (int frames = 0; frames < 10 && code == -1; frames++) { // skips a handshake_timeout error, if any
                RawWebSocket.Frame frame = raw.readFrame(Duration.ofSeconds(10));
                if (frame.opcode() == RawWebSocket.CLOSE) {
                    code = ((frame.payload()[0] & 0xFF) << 8) | (frame.payload()[1] & 0xFF);
                }
            }
            assertThat(code).isEqualTo(1009);
        }
    }

    /** A peer that stops reading is closed 1008 once its unsent bytes pass the bound, as on Netty. */
    @ParameterizedTest
    @ValueSource(strings = {"tomcat", "jetty"})
    void peerThatStopsReadingIsClosedAsASlowConsumer(String kind) throws Exception {
        start(kind, LtpServer.builder().noRateLimit().transportLimits(io.liminal.ltp.server.transport.TransportLimits
                .DEFAULTS.toBuilder().maxOutboundBytesPerConnection(256 * 1024).build()));
        try (RawWebSocket raw = RawWebSocket.connect(container.port(), "/ltp", List.of("ltp.v0.3"), Map.of())) {
            raw.sendText("{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"never-reads\"}");
            String ack = raw.readFrame(Duration.ofSeconds(10)).text();
            String threadId = com.google.gson.JsonParser.parseString(ack).getAsJsonObject().get("thread_id").getAsString();
            Envelope big = Envelope.builder("event").payload(new EventPayload("bulk",
                    new JsonPrimitive("y".repeat(16 * 1024))).toJson()).build();
            // The peer reads nothing more: socket buffers fill, then the transport's queue, then the bound.
            for (int i = 0; i < 4_000 && server.connectionCount() > 0; i++) {
                server.pushTo(threadId, big);
            }
            boolean closed = eventually(() -> server.connectionCount() == 0, 30_000);
            assertThat(closed).as("slow consumer closed; transport events: " + server.meterRegistry()
                    .find("ltp_transport_events_total").counters().stream()
                    .map(c -> c.getId().getTag("event") + "=" + c.count()).toList()).isTrue();
            assertThat(server.meterRegistry().get("ltp_transport_events_total").tag("event", "slow_consumer")
                    .counter().count()).isEqualTo(1.0);
        }
    }

    private static boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        return eventually(condition, 10_000);
    }

    private static boolean eventually(java.util.function.BooleanSupplier condition, long millis)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(10); // a gauge to poll: nothing to wait on
        }
        return true;
    }
}
