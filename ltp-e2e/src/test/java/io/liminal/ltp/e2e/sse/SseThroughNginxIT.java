package io.liminal.ltp.e2e.sse;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonPrimitive;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.client.LtpClientListener;
import io.liminal.ltp.client.OverflowPolicy;
import io.liminal.ltp.client.Transport;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.e2e.Nginx;
import io.liminal.ltp.jdbc.JdbcThreadStore;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import io.liminal.ltp.testing.Sequences;
import io.liminal.ltp.testing.TcpProxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sse-v1 fallback through a real nginx that refuses WebSocket upgrades, as corporate proxies do, and passes
 * plain HTTP with buffering off (issue #21's proof). Between nginx and the server a TCP proxy cuts the event stream
 * (and any post in flight); the server is drained and replaced by another process on the same SQLite store.
 */
@Timeout(300)
class SseThroughNginxIT {
    private static final int MESSAGES = 10_000;
    private static final int CUTS = 20;

    @TempDir
    Path directory;

    private final List<String> serverSaw = Collections.synchronizedList(new ArrayList<>());
    private final List<String> clientSaw = Collections.synchronizedList(new ArrayList<>());
    /** One permit per message each side received. */
    private final Semaphore serverGot = new Semaphore(0);
    private final Semaphore clientGot = new Semaphore(0);
    private final BlockingQueue<Transport> transports = new LinkedBlockingQueue<>();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private Nginx nginx;

    @AfterEach
    void cleanUp() throws Exception {
        if (nginx != null) {
            nginx.close();
        }
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    private LtpServer server() {
        return LtpServer.builder().host("127.0.0.1").port(0).noRateLimit()
                .threadStore(JdbcThreadStore.sqlite(directory.resolve("threads.db")))
                .handler(new LtpHandler() {
                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        serverSaw.add(event.data().getAsString());
                        serverGot.release();
                    }
                }).build().start();
    }

    /** nginx in front of {@code upstreamPort}: upgrades refused (403) or passed; plain HTTP unbuffered. */
    private String conf(int listenPort, int upstreamPort, boolean upgrades) {
        String upgrade = upgrades
                ? "proxy_set_header Upgrade $http_upgrade;\n            proxy_set_header Connection $connection_upgrade;"
                : "if ($http_upgrade != \"\") { return 403; }\n            proxy_set_header Connection \"\";";
        return """
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/nginx-error.log warn;
                events { worker_connections 1024; }
                http {
                    access_log off;
                    map $http_upgrade $connection_upgrade { default upgrade; '' close; }
                    server {
                        listen 127.0.0.1:%2$d;
                        location / {
                            proxy_pass http://127.0.0.1:%3$d;
                            proxy_http_version 1.1;
                            %4$s
                            proxy_buffering off;
                            proxy_request_buffering off;
                            proxy_read_timeout 60s;
                        }
                    }
                }
                """.formatted(directory, listenPort, upstreamPort, upgrade);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Envelope event(int n) {
        return Envelope.builder("event").payloadOwned(
                new EventPayload("stream", new JsonPrimitive(Integer.toString(n))).toJson()).build();
    }

    private Transport nextTransport() throws InterruptedException {
        Transport transport = transports.poll(60, TimeUnit.SECONDS);
        assertThat(transport).as("a transport change within 60 s").isNotNull();
        return transport;
    }

    @Test
    @DisplayName("the client connects over SSE by itself, exchanges 10,000 messages each way exactly once and in "
            + "order across 20 stream cuts and a server drain, and moves back to WebSocket when nginx passes it")
    void fallbackThroughNginx() throws Exception {
        LtpServer first = server();
        TcpProxy cutter = track(TcpProxy.start(first.port()));
        int port = freePort();
        nginx = Nginx.start(directory, conf(port, cutter.port(), false), port);
        LtpClient client = track(LtpClient.builder(URI.create("ws://127.0.0.1:" + port + "/"))
                .clientId("behind-a-proxy")
                .offlineBuffer(2 * MESSAGES, 64L << 20, OverflowPolicy.FAIL)
                .retry(LtpClient.retryConfig(Integer.MAX_VALUE - 1, Duration.ofMillis(20), Duration.ofMillis(200),
                        0.1))
                .noCircuitBreaker()
                .transportProbeInterval(Duration.ofSeconds(1))
                .listener(new LtpClientListener() {
                    @Override
                    public void onEvent(EventPayload event, Envelope envelope) {
                        clientSaw.add(event.data().getAsString());
                        clientGot.release();
                    }

                    @Override
                    public void onTransportChanged(Transport from, Transport to) {
                        transports.add(to);
                    }
                }).build());
        client.connect().get(30, TimeUnit.SECONDS);
        assertThat(nextTransport()).as("over SSE by itself").isEqualTo(Transport.SSE);
        String thread = client.threadId();

        List<CompletableFuture<Void>> sends = new ArrayList<>(MESSAGES);
        LtpServer current = first;
        int perRound = MESSAGES / CUTS;
        for (int round = 1; round <= CUTS; round++) {
            for (int i = 1; i <= perRound; i++) {
                int n = (round - 1) * perRound + i;
                sends.add(client.sendEvent("stream", new JsonPrimitive(Integer.toString(n))));
                current.pushTo(thread, event(n)).join();
            }
            int accepted = cutter.acceptedConnections();
            cutter.cutAll(); // the event stream (and any post in flight) dies between nginx and the server
            assertThat(cutter.awaitAcceptedMoreThan(accepted, Duration.ofSeconds(30))).as("back after cut %d", round)
                    .isTrue();
            if (round == CUTS / 2) {
                // Drain: the client gets ltp-close 1001 and comes back to the next process on the same store.
                current.drain();
                current.close();
                current = track(server());
                cutter.retarget(current.port());
            }
        }
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        awaitBothSaw(MESSAGES);
        Sequences.assertOneToN("server saw", serverSaw, MESSAGES);
        Sequences.assertOneToN("client saw", clientSaw, MESSAGES);
        assertThat(client.threadId()).isEqualTo(thread);
        assertThat(client.transport()).isEqualTo(Transport.SSE);

        // The proxy starts passing upgrades: the client's probe finds out and moves the connection back.
        nginx.close();
        nginx = Nginx.start(directory, conf(port, cutter.port(), true), port);
        assertThat(nextTransport()).isEqualTo(Transport.WEBSOCKET);
        client.sendEvent("stream", new JsonPrimitive(Integer.toString(MESSAGES + 1))).get(30, TimeUnit.SECONDS);
        current.pushTo(thread, event(MESSAGES + 1)).join();
        awaitBothSaw(1);
        Sequences.assertOneToN("server saw", serverSaw, MESSAGES + 1);
        Sequences.assertOneToN("client saw", clientSaw, MESSAGES + 1);
        assertThat(client.transport()).isEqualTo(Transport.WEBSOCKET);
        assertThat(client.threadId()).isEqualTo(thread);
    }

    /** Waits until both sides received {@code count} more messages, and no more than that right after. */
    private void awaitBothSaw(int count) throws InterruptedException {
        assertThat(serverGot.tryAcquire(count, 120, TimeUnit.SECONDS)).as("the server received %d", count).isTrue();
        assertThat(clientGot.tryAcquire(count, 120, TimeUnit.SECONDS)).as("the client received %d", count).isTrue();
        assertThat(clientGot.tryAcquire(1, 300, TimeUnit.MILLISECONDS)).as("nothing twice").isFalse();
    }
}
