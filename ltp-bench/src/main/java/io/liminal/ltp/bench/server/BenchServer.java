package io.liminal.ltp.bench.server;

import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.internal.standalone.ReferenceHandler;
import java.time.Duration;

/**
 * ltp-server as benchmarked: in-memory store, no rate limit (a load test is one "client" per session sending far
 * more than 100 messages a minute), the standalone server's reference handler (it answers every event with an
 * event, through the application executor), everything else default.
 *
 * <pre>java -cp ltp-bench.jar io.liminal.ltp.bench.server.BenchServer 8080 [heartbeat-ms]</pre>
 */
public final class BenchServer {
    private BenchServer() {
    }

    /** Entry point; prints the port, runs until killed. */
    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        long heartbeatMs = args.length > 1 ? Long.parseLong(args[1]) : 15_000;
        LtpServer server = LtpServer.builder().host("127.0.0.1").port(port).noRateLimit()
                .handler(new ReferenceHandler())
                .maxConnections(50_000).heartbeatInterval(Duration.ofMillis(heartbeatMs)).build().start();
        System.out.println("ltp server listening on ws://127.0.0.1:" + server.port() + "/");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> server.shutdown(Duration.ofSeconds(2))));
        Thread.currentThread().join();
    }
}
