package io.liminal.ltp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import io.liminal.ltp.server.TlsConfig;
import io.liminal.ltp.testing.SelfSignedCertificate;
import io.liminal.ltp.testing.Sequences;
import io.liminal.ltp.testing.TcpProxy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client over the sse-v1 binding and its fallback from WebSocket, against ltp-server on real sockets, through a
 * proxy that refuses upgrades, kills upgraded connections or cuts everything.
 */
@Timeout(120)
class ClientSseIT {
    private final List<String> serverSaw = Collections.synchronizedList(new ArrayList<>());
    private final List<String> clientSaw = Collections.synchronizedList(new ArrayList<>());
    private final BlockingQueue<String> clientEvents = new LinkedBlockingQueue<>();
    private final BlockingQueue<Transport> transportChanges = new LinkedBlockingQueue<>();
    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    /** A server whose handler records events and answers each with an echo. */
    private LtpServer server() {
        return track(LtpServer.builder().host("127.0.0.1").port(0).noRateLimit()
                .handler(new LtpHandler() {
                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        serverSaw.add(event.data().getAsString());
                        if (event.eventType().equals("ask")) {
                            session.reply(Envelope.builder("event").payloadOwned(
                                    new EventPayload("echo", event.data()).toJson()).build());
                        }
                    }
                }).build().start());
    }

    private LtpClient.Builder client(int port) {
        return LtpClient.builder(URI.create("ws://127.0.0.1:" + port + "/")).clientId("sse-client")
                .retry(LtpClient.retryConfig(1_000, Duration.ofMillis(20), Duration.ofMillis(200), 0.1))
                .noCircuitBreaker()
                .connectTimeout(Duration.ofSeconds(4))
                .listener(new LtpClientListener() {
                    @Override
                    public void onEvent(EventPayload event, Envelope envelope) {
                        clientSaw.add(event.data().getAsString());
                        clientEvents.add(event.data().getAsString());
                    }

                    @Override
                    public void onTransportChanged(Transport from, Transport to) {
                        transportChanges.add(to);
                    }
                });
    }

    private static Envelope event(String data) {
        return Envelope.builder("event").payloadOwned(new EventPayload("note", new JsonPrimitive(data)).toJson())
                .build();
    }

    private String nextEvent() throws InterruptedException {
        String event = clientEvents.poll(10, TimeUnit.SECONDS);
        assertThat(event).as("an event within 10 s").isNotNull();
        return event;
    }

    private Transport nextTransport() throws InterruptedException {
        Transport transport = transportChanges.poll(20, TimeUnit.SECONDS);
        assertThat(transport).as("a transport change within 20 s").isNotNull();
        return transport;
    }

    @Test
    @DisplayName("transports(SSE): the whole client API over sse-v1; transport() and the event say so")
    void sseOnly() throws Exception {
        LtpServer server = server();
        LtpClient client = track(client(server.port()).transports(Transport.SSE).build());
        client.connect().get(10, TimeUnit.SECONDS);
        assertThat(nextTransport()).isEqualTo(Transport.SSE);
        assertThat(client.transport()).isEqualTo(Transport.SSE);

        client.sendEvent("ask", new JsonPrimitive("hello")).get(10, TimeUnit.SECONDS);
        assertThat(nextEvent()).isEqualTo("hello");
        server.pushTo(client.threadId(), event("pushed")).join();
        assertThat(nextEvent()).isEqualTo("pushed");
        assertThat(serverSaw).containsExactly("hello");
    }

    @Test
    @DisplayName("over TLS (wss:// becomes https://): events both ways on a stream whose chunks go through TLS")
    void sseOverTls(@TempDir Path directory) throws Exception {
        SelfSignedCertificate certificate = new SelfSignedCertificate(directory);
        LtpServer server = track(LtpServer.builder().host("127.0.0.1").port(0).noRateLimit()
                .tls(TlsConfig.pem(certificate.certificatePem, certificate.privateKeyPem))
                .handler(new LtpHandler() {
                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        session.reply(Envelope.builder("event").payloadOwned(
                                new EventPayload("echo", event.data()).toJson()).build());
                    }
                }).build().start());
        LtpClient client = track(LtpClient.builder(URI.create("wss://127.0.0.1:" + server.port() + "/"))
                .clientId("sse-tls").transports(Transport.SSE).sslContext(certificate.clientContext())
                .listener(new LtpClientListener() {
                    @Override
                    public void onEvent(EventPayload event, Envelope envelope) {
                        clientEvents.add(event.data().getAsString());
                    }
                }).build());
        client.connect().get(10, TimeUnit.SECONDS);
        assertThat(client.transport()).isEqualTo(Transport.SSE);
        for (int i = 0; i < 20; i++) {
            client.sendEvent("ask", new JsonPrimitive("secure-" + i + "-" + "x".repeat(i * 500)));
        }
        for (int i = 0; i < 20; i++) {
            assertThat(nextEvent()).isEqualTo("secure-" + i + "-" + "x".repeat(i * 500));
        }
    }

    @Test
    @DisplayName("transports(SSE, WEBSOCKET) puts SSE first although WebSocket works; an empty or repeated list is "
            + "refused")
    void orderFixedByTheBuilder() throws Exception {
        LtpServer server = server();
        LtpClient client = track(client(server.port()).transports(Transport.SSE, Transport.WEBSOCKET).build());
        client.connect().get(10, TimeUnit.SECONDS);
        assertThat(client.transport()).isEqualTo(Transport.SSE);
        assertThatThrownBy(() -> LtpClient.builder(URI.create("ws://127.0.0.1:1/")).transports())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LtpClient.builder(URI.create("ws://127.0.0.1:1/"))
                .transports(Transport.SSE, Transport.SSE)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("a proxy that refuses upgrades: the default client falls back to SSE by itself; transports(WEBSOCKET) "
            + "alone does not")
    void fallsBackWhenUpgradesAreRefused() throws Exception {
        LtpServer server = server();
        TcpProxy proxy = track(TcpProxy.start(server.port()));
        proxy.refuseUpgrades(true);
        LtpClient client = track(client(proxy.port()).build());
        client.connect().get(10, TimeUnit.SECONDS);
        assertThat(client.transport()).isEqualTo(Transport.SSE);
        assertThat(nextTransport()).isEqualTo(Transport.SSE);
        assertThat(proxy.upgradesRefused()).isGreaterThanOrEqualTo(1);
        client.sendEvent("ask", new JsonPrimitive("through")).get(10, TimeUnit.SECONDS);
        assertThat(nextEvent()).isEqualTo("through");

        LtpClient strict = track(client(proxy.port()).clientId("ws-only").transports(Transport.WEBSOCKET)
                .maxReconnectAttempts(1).build());
        assertThatThrownBy(() -> strict.connect().get(20, TimeUnit.SECONDS)).hasCauseInstanceOf(
                LtpClientException.class);
        assertThat(strict.transport()).isNull();
    }

    @Test
    @DisplayName("upgraded connections that keep dying young (a load balancer kills them): the client moves to SSE")
    void fallsBackWhenUpgradedConnectionsDieYoung() throws Exception {
        LtpServer server = server();
        TcpProxy proxy = track(TcpProxy.start(server.port()));
        proxy.cutUpgradedAfter(Duration.ofMillis(300));
        LtpClient client = track(client(proxy.port()).build());
        client.connect().get(10, TimeUnit.SECONDS);
        assertThat(nextTransport()).isEqualTo(Transport.WEBSOCKET);
        assertThat(nextTransport()).as("after two young deaths").isEqualTo(Transport.SSE);
        client.sendEvent("ask", new JsonPrimitive("steady")).get(10, TimeUnit.SECONDS);
        assertThat(nextEvent()).isEqualTo("steady");
        assertThat(client.transport()).isEqualTo(Transport.SSE);
    }

    @Test
    @DisplayName("on SSE, the client probes WebSocket and moves back once the proxy passes upgrades, resuming its "
            + "thread; nothing is lost or doubled in the move")
    void movesBackToWebSocket() throws Exception {
        LtpServer server = server();
        TcpProxy proxy = track(TcpProxy.start(server.port()));
        proxy.refuseUpgrades(true);
        LtpClient client = track(client(proxy.port()).transportProbeInterval(Duration.ofMillis(200)).build());
        client.connect().get(10, TimeUnit.SECONDS);
        assertThat(nextTransport()).isEqualTo(Transport.SSE);
        String thread = client.threadId();
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            sends.add(client.sendEvent("note", new JsonPrimitive(Integer.toString(i))));
        }
        proxy.refuseUpgrades(false);
        for (int i = 101; i <= 200; i++) {
            sends.add(client.sendEvent("note", new JsonPrimitive(Integer.toString(i))));
        }
        assertThat(nextTransport()).isEqualTo(Transport.WEBSOCKET);
        assertThat(client.transport()).isEqualTo(Transport.WEBSOCKET);
        assertThat(client.threadId()).isEqualTo(thread);
        for (int i = 201; i <= 300; i++) {
            sends.add(client.sendEvent("note", new JsonPrimitive(Integer.toString(i))));
        }
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        Sequences.assertOneToN("server saw", serverSaw, 300);
    }

    @Test
    @DisplayName("delivery-v1 over SSE: both directions exactly once and in order while a proxy cuts every "
            + "connection (streams and posts) 20 times")
    void exactlyOnceAcrossCuts() throws Exception {
        LtpServer server = server();
        TcpProxy proxy = track(TcpProxy.start(server.port()));
        LtpClient client = track(client(proxy.port()).transports(Transport.SSE).build());
        client.connect().get(10, TimeUnit.SECONDS);
        String thread = client.threadId();
        int count = 1_000;
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        int sent = 0;
        int pushed = 0;
        for (int cut = 1; cut <= 20; cut++) {
            for (int i = 0; i < count / 20; i++) {
                sends.add(client.sendEvent("note", new JsonPrimitive(Integer.toString(++sent))));
                server.pushTo(thread, event(Integer.toString(++pushed)));
            }
            int accepted = proxy.acceptedConnections();
            proxy.cutAll();
            assertThat(proxy.awaitAcceptedMoreThan(accepted, Duration.ofSeconds(10))).as("back after cut %d", cut)
                    .isTrue();
        }
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        for (int i = 0; i < count; i++) {
            nextEvent();
        }
        assertThat(clientEvents.poll(200, TimeUnit.MILLISECONDS)).as("nothing twice").isNull();
        Sequences.assertOneToN("server saw", serverSaw, count);
        Sequences.assertOneToN("client saw", clientSaw, count);
    }
}
