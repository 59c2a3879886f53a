package io.liminal.ltp.bench.server;

import io.liminal.ltp.core.session.Allowance;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.PeerLimits;
import io.liminal.ltp.server.internal.standalone.ReferenceHandler;
import io.liminal.ltp.server.store.DeliveryRetention;
import io.liminal.ltp.server.store.ThreadStore;
import io.liminal.ltp.server.store.ThreadStoreProvider;
import io.liminal.ltp.server.transport.TransportLimits;
import java.time.Duration;
import java.util.ServiceLoader;

/**
 * ltp-server as benchmarked: in-memory store, no rate limit (a load test is one "client" per session sending far
 * more than 100 messages a minute), the standalone server's reference handler (it answers every event with an
 * event) declared non-blocking as the standalone server declares it, everything else default, except the bounds against hostile peers that
 * a load generator on one address would hit: pings and handshakes keep their allowance checks on the measured path,
 * with allowances no load reaches; no bound on pending connections per address or on threads stored (the handshake
 * scenario leaves about a million). {@code -Dltp.bench.handler=executor} runs the handler on the application
 * executor instead, as a handler that may block runs. {@code -Dltp.bench.store=SPEC} puts the threads in a store
 * ({@code sqlite:FILE}, a {@code jdbc:} URL, {@code redis://...}; the handler then runs on the executor, as the
 * standalone server runs it with a blocking store); {@code -Dltp.bench.pending-handshakes=N} changes the bound on
 * handshakes waiting for a blocking store (default: the server's, 10,000); {@code -Dltp.bench.delivery-batch=N}
 * commits up to N numbered messages of a client together ({@code LtpServer.Builder.deliveryBatch}, default 1);
 * {@code -Dltp.bench.retention=N} keeps N messages of each thread's log instead of the default 10,000 (the durable
 * scenario keeps 500, so that every log reaches its retention in the warm-up and each commit trims, as a
 * long-lived thread's commits do).
 *
 * <pre>java [-Dltp.bench.handler=executor] [-Dltp.bench.store=SPEC] [-Dltp.bench.delivery-batch=N] -cp ltp-bench.jar
 *     io.liminal.ltp.bench.server.BenchServer 8080 [heartbeat-ms]</pre>
 */
public final class BenchServer {
    private BenchServer() {
    }

    /** The server as benchmarked, on 127.0.0.1:{@code port} (0 picks one); tests of the load tools use it too. */
    public static LtpServer.Builder builder(int port) {
        return builder(port, true);
    }

    /** As {@link #builder(int)}, with the handler on the I/O threads or on the application executor. */
    public static LtpServer.Builder builder(int port, boolean nonBlockingHandler) {
        Allowance unreached = Allowance.of(Integer.MAX_VALUE, Duration.ofMillis(1));
        LtpServer.Builder builder = LtpServer.builder().host("127.0.0.1").port(port).noRateLimit()
                .peerLimits(PeerLimits.builder().pings(unreached).handshakesPerAddress(unreached)
                        .maxPendingHandshakes(Integer.getInteger("ltp.bench.pending-handshakes",
                                PeerLimits.DEFAULTS.maxPendingHandshakes())).build())
                .transportLimits(TransportLimits.builder().maxPendingPerAddress(0).maxPendingConnections(100_000)
                        .build())
                .maxThreads(0)
                .handler(new ReferenceHandler())
                .maxConnections(50_000);
        return nonBlockingHandler ? builder.nonBlockingHandler() : builder;
    }

    /** A thread store by its spec, as the standalone server opens one (30 minutes' thread TTL). */
    public static ThreadStore store(String spec) {
        for (ThreadStoreProvider provider : ServiceLoader.load(ThreadStoreProvider.class)) {
            if (provider.supports(spec)) {
                return provider.create(spec, Duration.ofMinutes(30));
            }
        }
        throw new IllegalArgumentException("No thread store for " + spec);
    }

    /** Entry point; prints the port, runs until killed. */
    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        long heartbeatMs = args.length > 1 ? Long.parseLong(args[1]) : 15_000;
        String store = System.getProperty("ltp.bench.store", "memory");
        boolean onExecutor = "executor".equals(System.getProperty("ltp.bench.handler")) || !"memory".equals(store);
        LtpServer.Builder builder = builder(port, !onExecutor).heartbeatInterval(Duration.ofMillis(heartbeatMs));
        if (!"memory".equals(store)) {
            builder.threadStore(store(store));
        }
        builder.deliveryBatch(Integer.getInteger("ltp.bench.delivery-batch", 1));
        Integer retention = Integer.getInteger("ltp.bench.retention");
        if (retention != null) {
            DeliveryRetention defaults = DeliveryRetention.DEFAULT;
            builder.delivery(new DeliveryRetention(retention, defaults.maxBytes(), defaults.maxAge()));
        }
        LtpServer server = builder.build().start();
        System.out.println("ltp server listening on ws://127.0.0.1:" + server.port() + "/");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.shutdown(Duration.ofSeconds(2))));
        Thread.currentThread().join();
    }
}
