package io.liminal.ltp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonPrimitive;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.core.session.ClientSessionMachine.State;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import io.liminal.ltp.server.TlsConfig;
import io.liminal.ltp.server.auth.JwtAuthenticator;
import io.liminal.ltp.testing.SelfSignedCertificate;
import io.liminal.ltp.testing.TcpProxy;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The client against a real ltp-server over real sockets, with a fault-injecting proxy between them. */
@Timeout(90)
class ClientServerIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final RecordingListener listener = new RecordingListener();

    @TempDir
    Path directory;

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

    private LtpServer startServer(int port, Consumer<LtpServer.Builder> configure) {
        LtpServer.Builder builder = LtpServer.builder().host("127.0.0.1").port(port).noRateLimit()
                .handler(new LtpHandler() {
                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        received.add(session.threadId() + " " + event.data().getAsString());
                    }
                });
        configure.accept(builder);
        return builder.build().start();
    }

    private LtpClient.Builder client(URI uri) {
        return LtpClient.builder(uri).clientId("it-client").listener(listener)
                .retry(LtpClient.retryConfig(20, Duration.ofMillis(50), Duration.ofMillis(500), 0.1));
    }

    private String nextReceived() throws InterruptedException {
        String text = received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(text).as("message reached the server handler").isNotNull();
        return text;
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    @DisplayName("a network cut: the client reconnects through the proxy, resumes the same thread, and delivers what was sent meanwhile")
    void cutAndResume() throws Exception {
        LtpServer server = track(startServer(0, b -> { }));
        TcpProxy proxy = track(TcpProxy.start(server.port()));
        LtpClient client = track(client(URI.create("ws://127.0.0.1:" + proxy.port() + "/")).build());
        client.connect().get(15, TimeUnit.SECONDS);
        String thread = client.threadId();
        client.sendEvent("n", new JsonPrimitive("before")).join();
        assertThat(nextReceived()).isEqualTo(thread + " before");
        proxy.refuse(true);
        proxy.cutAll();
        listener.await("disconnected");
        List<CompletableFuture<Void>> offline = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            offline.add(client.sendEvent("n", new JsonPrimitive("offline-" + i)));
        }
        proxy.refuse(false);
        assertThat(listener.await("connected")).isEqualTo("connected " + thread + " " + client.sessionId()
                + " resumed=true");
        for (int i = 0; i < 5; i++) {
            assertThat(nextReceived()).isEqualTo(thread + " offline-" + i);
        }
        CompletableFuture.allOf(offline.toArray(CompletableFuture[]::new)).join();
    }

    @Test
    @DisplayName("a stalled network: pongs stop, the client closes 1000 and reconnects once traffic flows again")
    void stallTriggersHeartbeatTimeout() throws Exception {
        LtpServer server = track(startServer(0, b -> b.heartbeatInterval(Duration.ofMillis(300))));
        TcpProxy proxy = track(TcpProxy.start(server.port()));
        LtpClient client = track(client(URI.create("ws://127.0.0.1:" + proxy.port() + "/"))
                .pongTimeout(Duration.ofMillis(900)).build());
        client.connect().get(15, TimeUnit.SECONDS);
        proxy.stall(true);
        assertThat(listener.await("disconnected")).isEqualTo("disconnected 1000");
        proxy.stall(false);
        proxy.cutAll();
        assertThat(listener.await("connected")).endsWith("resumed=true");
    }

    @Test
    @DisplayName("an upgrade that gets no answer fails after the connect timeout, and the client tries again")
    void unansweredUpgradeTimesOut() throws Exception {
        LtpServer server = track(startServer(0, b -> { }));
        TcpProxy proxy = track(TcpProxy.start(server.port()));
        proxy.stall(true); // the TCP connect succeeds; the upgrade request never reaches the server
        LtpClient client = track(client(URI.create("ws://127.0.0.1:" + proxy.port() + "/"))
                .connectTimeout(Duration.ofMillis(300)).build());
        CompletableFuture<Void> connected = client.connect();
        listener.await("state BACKOFF");
        assertThat(connected).isNotDone();
        proxy.stall(false);
        connected.get(15, TimeUnit.SECONDS);
        assertThat(proxy.acceptedConnections()).isGreaterThanOrEqualTo(2);
    }

    @Test
    @DisplayName("messages sent while the server restarts arrive in order after it is back (new thread: the store was in memory)")
    void serverRestart() throws Exception {
        int port = freePort();
        LtpServer server = startServer(port, b -> { });
        LtpClient client = track(client(URI.create("ws://127.0.0.1:" + port + "/")).unlimitedReconnects()
                .noCircuitBreaker().build());
        client.connect().get(15, TimeUnit.SECONDS);
        String firstThread = client.threadId();
        server.close();
        listener.await("disconnected");
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            sends.add(client.sendEvent("n", new JsonPrimitive("m" + i)));
        }
        LtpServer restarted = track(startServer(port, b -> { }));
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        String newThread = client.threadId();
        assertThat(newThread).isNotEqualTo(firstThread);
        for (int i = 0; i < 20; i++) {
            assertThat(nextReceived()).isEqualTo(newThread + " m" + i);
        }
        assertThat(restarted.connectionCount()).isEqualTo(1);
    }

    @Test
    @DisplayName("a restarted client process resumes its thread from the file store, and sends what its journal kept")
    void processRestart() throws Exception {
        LtpServer server = track(startServer(0, b -> { }));
        URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/");
        Path ids = directory.resolve("ids.json");
        LtpClient first = client(uri).clientId("persistent").threadIdStore(new FileThreadIdStore(ids))
                .journal(FileMessageJournal.open(directory.resolve("journal"))).build();
        first.connect().get(15, TimeUnit.SECONDS);
        String thread = first.threadId();
        first.close();

        // Offline: the process keeps sends in its journal, then exits before it could deliver them.
        LtpClient offline = LtpClient.builder(URI.create("ws://127.0.0.1:1/")).clientId("persistent")
                .threadIdStore(new FileThreadIdStore(ids)).journal(FileMessageJournal.open(directory.resolve("journal")))
                .build();
        List<CompletableFuture<Void>> kept = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            kept.add(offline.sendEvent("n", new JsonPrimitive("kept-" + i)));
        }
        assertThat(offline.bufferedMessages()).isEqualTo(3);
        offline.close();
        assertThat(kept).allSatisfy(f -> assertThatThrownBy(f::join)
                .hasCauseInstanceOf(LtpClientException.ClientClosedException.class));

        LtpClient restarted = track(client(uri).clientId("persistent").threadIdStore(new FileThreadIdStore(ids))
                .journal(FileMessageJournal.open(directory.resolve("journal"))).build());
        restarted.connect().get(15, TimeUnit.SECONDS);
        assertThat(restarted.threadId()).isEqualTo(thread);
        for (int i = 0; i < 3; i++) {
            assertThat(nextReceived()).isEqualTo(thread + " kept-" + i);
        }
        assertThat(FileMessageJournal.open(directory.resolve("journal2")).load()).isEmpty();
    }

    @Test
    @DisplayName("wss:// with a custom SSLContext, and JWT auth: a good token connects, a bad one fails permanently")
    void tlsAndAuth() throws Exception {
        SelfSignedCertificate certificate = new SelfSignedCertificate(directory);
        byte[] secret = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
        LtpServer server = track(startServer(0, b -> b
                .tls(TlsConfig.pem(certificate.certificatePem, certificate.privateKeyPem))
                .authenticator(JwtAuthenticator.hs256(secret).build())));
        URI uri = URI.create("wss://127.0.0.1:" + server.port() + "/");
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder().subject("alice")
                .expirationTime(Date.from(Instant.now().plusSeconds(300))).build());
        jwt.sign(new MACSigner(secret));
        LtpClient good = track(client(uri).sslContext(certificate.clientContext()).authToken(jwt.serialize()).build());
        good.connect().get(15, TimeUnit.SECONDS);
        good.sendEvent("n", new JsonPrimitive("secure")).join();
        assertThat(nextReceived()).endsWith(" secure");

        LtpClient bad = track(client(uri).clientId("intruder").sslContext(certificate.clientContext())
                .authToken("forged").build());
        assertThatThrownBy(() -> bad.connect().get(15, TimeUnit.SECONDS)).hasCauseInstanceOf(
                LtpClientException.PermanentFailureException.class);
        assertThat(bad.state()).isEqualTo(State.FAILED);
    }

    @Test
    @DisplayName("a draining server sends 1001 and the client resumes at once on another instance")
    void drainMovesClient() throws Exception {
        int port = freePort();
        LtpServer first = startServer(port, b -> { });
        // Enough attempts that a slow shutdown on a loaded machine cannot use them up before the next server starts,
        // and a short connect timeout: an attempt that lands in the first server's shutdown is retried in time.
        LtpClient client = track(client(URI.create("ws://127.0.0.1:" + port + "/"))
                .retry(LtpClient.retryConfig(200, Duration.ofMillis(50), Duration.ofMillis(500), 0.1))
                .connectTimeout(Duration.ofSeconds(2)).build());
        client.connect().get(15, TimeUnit.SECONDS);
        first.shutdown(Duration.ofSeconds(5));
        assertThat(listener.await("disconnected")).isEqualTo("disconnected 1001");
        track(startServer(port, b -> { }));
        assertThat(listener.await("connected")).contains("resumed=false");
    }
}
