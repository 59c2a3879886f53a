package io.liminal.ltp.bench.jmh;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.liminal.ltp.core.concurrent.Scheduler;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.core.session.Allowance;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.PeerLimits;
import io.liminal.ltp.server.SessionContext;
import io.liminal.ltp.server.store.InMemoryThreadStore;
import io.liminal.ltp.server.transport.ConnectionListener;
import io.liminal.ltp.server.transport.LtpTransport;
import io.liminal.ltp.server.transport.TransportConnection;
import io.liminal.ltp.server.transport.TransportContext;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The server engine without sockets: a text frame in, the reply frame out, on the calling thread. Measures what
 * LTP itself costs per message (decode, checks, machine, reply, encode) apart from the transport.
 *
 * <pre>java -jar ltp-bench/target/ltp-bench.jar EngineBenchmark -f 2 -wi 5 -i 5</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class EngineBenchmark {
    private static final String INIT = "{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"bench\"}";

    private LtpServer server;
    private final InMemoryThreadStore store = new InMemoryThreadStore();
    private BenchTransport transport;
    private ConnectionListener connection;
    private FrameSink sink;
    private String ping;
    private int pingBytes;
    private ByteBuffer pingAscii;
    private String event;
    private int eventBytes;

    @Setup(Level.Trial)
    public void setUp() {
        transport = new BenchTransport();
        // Allowances no benchmark reaches: their checks stay on the measured path, their refusals do not.
        Allowance unreached = Allowance.of(Integer.MAX_VALUE, Duration.ofMillis(1));
        server = LtpServer.builder().transport(transport).threadStore(store).noRateLimit()
                .peerLimits(PeerLimits.builder().pings(unreached).handshakesPerAddress(unreached).build())
                .maxThreads(0)
                .applicationExecutor(Runnable::run)
                .handler(new LtpHandler() {
                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        // delivered; nothing to do
                    }
                })
                .build().start();
        sink = new FrameSink();
        connection = transport.context.accept(sink);
        connection.onText(INIT, INIT.length());
        JsonObject ack = JsonParser.parseString((String) sink.last).getAsJsonObject();
        String ids = "\"thread_id\":\"" + ack.get("thread_id").getAsString() + "\",\"session_id\":\""
                + ack.get("session_id").getAsString() + "\"";
        ping = "{\"type\":\"ping\"," + ids + ",\"timestamp\":1731600000,\"payload\":{\"pad\":\"" + "x".repeat(246)
                + "\"}}";
        pingBytes = ping.getBytes(StandardCharsets.UTF_8).length;
        pingAscii = ByteBuffer.allocateDirect(pingBytes).put(ping.getBytes(StandardCharsets.US_ASCII)).flip();
        event = "{\"type\":\"event\"," + ids + ",\"timestamp\":1731600000,\"payload\":{\"event_type\":\"user_action\","
                + "\"data\":{\"action\":\"button_click\",\"target\":\"explore_mode\"}},\"meta\":{\"client_id\":\"bench\","
                + "\"context_tag\":\"focus_session\",\"affect\":{\"valence\":0.3,\"arousal\":-0.2}},"
                + "\"nonce\":\"bench-1731600000123-00ff00ff00ff00ff\"}";
        eventBytes = event.getBytes(StandardCharsets.UTF_8).length;
    }

    /** {@link #handshake} stores a thread per call: start every iteration with an empty store, as a server would. */
    @Setup(Level.Iteration)
    public void emptyStore() {
        store.evictIdleBefore(Instant.now().plusSeconds(3600));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        server.close();
    }

    /** A 256-byte-payload ping in, its pong out. */
    @Benchmark
    public void pingPong(Blackhole blackhole) {
        connection.onText(ping, pingBytes);
        blackhole.consume(sink.last);
    }

    /** The same ping as the Netty transport hands it over: its ASCII bytes in a direct buffer, no string. */
    @Benchmark
    public void pingPongAscii(Blackhole blackhole) {
        connection.onAsciiText(pingAscii);
        blackhole.consume(sink.last);
    }

    /**
     * A whole session without sockets: the transport hands over a connection, {@code handshake_init} in (a thread
     * is created and stored), {@code handshake_ack} out, the connection closes.
     */
    @Benchmark
    public void handshake(Blackhole blackhole) {
        FrameSink peer = new FrameSink();
        ConnectionListener session = transport.context.accept(peer);
        session.onText(INIT, INIT.length());
        session.onClosed(1000, "");
        blackhole.consume(peer.last);
    }

    /** An event in, delivered to the handler (inline executor). */
    @Benchmark
    public void eventDelivery(Blackhole blackhole) {
        connection.onText(event, eventBytes);
        blackhole.consume(sink.last);
    }

    /** A transport whose connections run everything inline. */
    static final class BenchTransport implements LtpTransport {
        TransportContext context;

        @Override
        public InetSocketAddress start(TransportContext context) {
            this.context = context;
            return InetSocketAddress.createUnresolved("bench", 0);
        }

        @Override
        public InetSocketAddress httpAddress() {
            return null;
        }

        @Override
        public void close() {
        }
    }

    /** Keeps the last frame the engine sent. */
    static final class FrameSink implements TransportConnection {
        /** The last frame: a String, or UTF-8 bytes when the engine sent bytes (pongs). */
        Object last;

        @Override
        public void send(String text) {
            last = text;
        }

        @Override
        public void sendUtf8(byte[] utf8) {
            last = utf8;
        }

        @Override
        public void close(int code, String reason) {
        }

        @Override
        public void setReading(boolean reading) {
        }

        @Override
        public SocketAddress remoteAddress() {
            return InetSocketAddress.createUnresolved("bench-peer", 1);
        }

        @Override
        public String subprotocol() {
            return "ltp.v0.3";
        }

        @Override
        public String requestHeader(String name) {
            return null;
        }

        @Override
        public Executor executor() {
            return Runnable::run;
        }

        @Override
        public Scheduler scheduler() {
            return (task, delay, unit) -> Scheduler.Cancellable.NONE;
        }
    }
}
