package io.liminal.ltp.server.hostile;

import static io.liminal.ltp.server.TestFrames.init;
import static io.liminal.ltp.server.TestFrames.json;
import static io.liminal.ltp.server.TestFrames.ping;
import static io.liminal.ltp.server.TestFrames.type;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.liminal.ltp.core.codec.LtpCodec;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.security.EnvelopeSigner;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.testing.WsTestClient;
import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;

/**
 * What every hostile-peer test shares: a real server on 127.0.0.1 with its HTTP endpoints on a port of their own,
 * and a canary, a well-behaved client on its own connection that pings like a heartbeat. During each attack the
 * canary must keep getting its pongs within {@link #NORMAL_LATENCY}; afterwards the server must be ready again,
 * with only the canary connected.
 */
@Timeout(60)
abstract class HostileTest {
    /** Far above a pong's latency on loopback (about a millisecond), far below a stall. */
    static final Duration NORMAL_LATENCY = Duration.ofMillis(500);
    static final Duration WAIT = Duration.ofSeconds(10);
    static final String ADMIN_TOKEN = "0123456789abcdef-admin";

    LtpServer server;
    URI uri;
    /** The canary's handshake (tests with authentication give it a token). */
    String canaryHandshake = init("canary");
    /** Signs the canary's pings when signatures are required; {@code null} otherwise. */
    EnvelopeSigner canarySigner;
    private WsTestClient canary;
    private JsonObject canaryAck;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Starts the server with the suite's defaults, then whatever the test changes, and connects the canary. */
    void start(Consumer<LtpServer.Builder> configure) {
        LtpServer.Builder builder = LtpServer.builder().host("127.0.0.1").port(0).httpPort(0)
                .heartbeatInterval(Duration.ofSeconds(5)).adminToken(ADMIN_TOKEN);
        configure.accept(builder);
        server = builder.build().start();
        uri = URI.create("ws://127.0.0.1:" + server.port() + "/");
        canary = WsTestClient.connect(uri);
        canaryAck = json(canary.send(canaryHandshake).next());
        assertThat(type(canaryAck.toString())).isEqualTo("handshake_ack");
        assertCanaryResponsive();
    }

    /** One heartbeat of the canary: its pong comes back within the normal latency. */
    void assertCanaryResponsive() {
        long started = System.nanoTime();
        String pong = canary.send(canaryPing()).next(WAIT);
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(type(pong)).isEqualTo("pong");
        assertThat(took).as("the canary's pong latency during the attack").isLessThan(NORMAL_LATENCY);
    }

    private String canaryPing() {
        if (canarySigner == null) {
            return ping(canaryAck);
        }
        long now = System.currentTimeMillis();
        Envelope ping = Envelope.builder("ping").threadId(canaryAck.get("thread_id").getAsString())
                .sessionId(canaryAck.get("session_id").getAsString()).timestamp(now / 1000)
                .nonce("canary-" + now + "-" + UUID.randomUUID().toString().replace("-", "")).build();
        return LtpCodec.standard().encode(canarySigner.signed(ping));
    }

    /** Runs {@code attack} on another thread while the canary keeps pinging every 200 ms, then waits for it. */
    void duringAttack(ThrowingRunnable attack) throws Exception {
        Thread attacker = new Thread(() -> {
            try {
                attack.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "attacker");
        attacker.start();
        long deadline = System.nanoTime() + WAIT.toNanos() * 3;
        int pings = 0;
        do {
            assertCanaryResponsive();
            pings++;
            // Every 200 ms at first, then every 500 ms for as long as the attack lasts: within the ping allowance
            // (a burst of 20, 2 per second after that), and more often than the shortest idle close a test sets (1 s,
            // with a 500 ms heartbeat), which a canary gone quiet behind a slow attack used to get.
            attacker.join(pings < 12 ? 200 : 500);
        } while (attacker.isAlive() && System.nanoTime() < deadline);
        attacker.join(WAIT.toMillis());
        assertThat(attacker.isAlive()).as("the attack ends").isFalse();
    }

    /** A task that may throw. */
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The status of {@code GET path} sent from another loopback address (127.0.0.2: Linux routes all of 127/8 to
     * loopback), so that bounds per address charged to 127.0.0.1 do not apply to it.
     */
    static int statusFromOtherAddress(int port, String path) throws IOException {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] head = socket.getInputStream().readNBytes(12);
            return Integer.parseInt(new String(head, StandardCharsets.US_ASCII).substring(9, 12));
        }
    }

    /** A transport event's count, read from the registry (HTTP may be what the attack fills up). */
    double transportEvents(String event) {
        Counter counter = server.meterRegistry().find("ltp_transport_events_total").tag("event", event).counter();
        return counter == null ? 0 : counter.count();
    }

    /** A counter's value by name, 0 when it was never registered. */
    double counter(String name) {
        Counter counter = server.meterRegistry().find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    /** A counter's value by name and one tag, 0 when it was never incremented. */
    double counter(String name, String tag, String value) {
        Counter counter = server.meterRegistry().find(name).tag(tag, value).counter();
        return counter == null ? 0 : counter.count();
    }

    /** Polls {@code condition} every 20 ms until it holds or {@code timeout} passes. */
    static boolean eventually(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /**
     * Like {@link #eventually}, with the canary pinging every 600 ms meanwhile, within its allowance (for short
     * heartbeat intervals and long waits).
     */
    boolean eventuallyWithHeartbeat(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            assertCanaryResponsive();
            Thread.sleep(600);
        }
        return true;
    }

    /** The server is healthy again: ready, the canary answered, and nobody but the canary connected. */
    @AfterEach
    void healthRestored() throws Exception {
        if (server == null) {
            return;
        }
        try {
            assertThat(eventually(() -> server.connectionCount() == 1, WAIT)).as("only the canary is left, but %d",
                    server.connectionCount()).isTrue();
            assertThat(get(server.httpPort(), "/ready").statusCode()).isEqualTo(200);
            assertCanaryResponsive();
        } finally {
            canary.close(1000, "done");
            server.close();
        }
    }
}
