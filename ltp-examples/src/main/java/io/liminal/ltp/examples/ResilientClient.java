package io.liminal.ltp.examples;

import com.google.gson.JsonPrimitive;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.client.LtpClientListener;
import io.liminal.ltp.client.OverflowPolicy;
import io.liminal.ltp.client.Transport;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import io.liminal.ltp.server.store.InMemoryThreadStore;
import io.liminal.ltp.server.store.ThreadStore;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A client that keeps working while its server restarts: what the application sends while the server is down
 * waits in the client's offline buffer, the client reconnects with backoff, resumes its thread, and then delivers
 * the buffered messages in order. (The server keeps its threads in a store that outlives the restart; here the
 * same in-memory store, in production a durable one.)
 *
 * <pre>bin/ltp-example resilient-client</pre>
 */
public final class ResilientClient {
    private ResilientClient() {
    }

    /** What happened: the thread before and after the restart, and the events the server received in order. */
    public record Outcome(String threadBefore, String threadAfter, boolean resumed, int bufferedWhileDown,
            List<String> delivered) {
    }

    /**
     * What carries the connection (docs/client.md, "Transports"): by default WebSocket, falling back to the
     * sse-v1 binding by itself; these builders fix the order or forbid one.
     */
    static List<LtpClient.Builder> transportChoices(URI url) {
        // tag::transports[]
        LtpClient.Builder webSocketOnly = LtpClient.builder(url).transports(Transport.WEBSOCKET);
        LtpClient.Builder sseOnly = LtpClient.builder(url).transports(Transport.SSE);
        LtpClient.Builder sseFirst = LtpClient.builder(url).transports(Transport.SSE, Transport.WEBSOCKET);
        // end::transports[]
        return List.of(webSocketOnly, sseOnly, sseFirst);
    }

    /** Runs the scenario. */
    public static Outcome run(PrintStream out) throws Exception {
        List<String> delivered = new CopyOnWriteArrayList<>();
        ThreadStore threads = new InMemoryThreadStore();
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        LtpServer server = startServer(port, threads, delivered);
        CompletableFuture<Boolean> resumedAgain = new CompletableFuture<>();
        // tag::resilient-client[]
        LtpClient client = LtpClient.builder(URI.create("ws://127.0.0.1:" + port + "/"))
                .clientId("resilient-example")
                // Hold up to 1,000 messages (1 MiB) while offline; refuse more rather than drop silently.
                .offlineBuffer(1_000, 1 << 20, OverflowPolicy.FAIL)
                // Retry quickly for the demo: 200 ms, 400 ms, ... capped at 2 s, up to 20 retries per outage.
                .retry(LtpClient.retryConfig(20, Duration.ofMillis(200), Duration.ofSeconds(2), 0.1))
                .listener(new LtpClientListener() {
                    @Override
                    public void onConnected(String threadId, String sessionId, boolean resumed) {
                        out.println("  connected, thread " + threadId + (resumed ? " (resumed)" : " (new)"));
                        if (resumed) {
                            resumedAgain.complete(true);
                        }
                    }
                })
                .build();
        // end::resilient-client[]
        try (client) {
            client.connect().get(10, TimeUnit.SECONDS);
            String before = client.threadId();
            client.sendEvent("note", new JsonPrimitive("before the restart")).get(5, TimeUnit.SECONDS);

            out.println("  server stopping");
            server.shutdown(Duration.ofSeconds(2));
            List<CompletableFuture<Void>> sends = List.of(
                    client.sendEvent("note", new JsonPrimitive("written while the server was down (1)")),
                    client.sendEvent("note", new JsonPrimitive("written while the server was down (2)")),
                    client.sendEvent("note", new JsonPrimitive("written while the server was down (3)")));
            int buffered = client.bufferedMessages();
            out.println("  " + buffered + " messages wait in the offline buffer");

            server = startServer(port, threads, delivered);
            out.println("  server restarted on the same port");
            boolean resumed = resumedAgain.get(20, TimeUnit.SECONDS);
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (delivered.size() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            return new Outcome(before, client.threadId(), resumed, buffered, List.copyOf(delivered));
        } finally {
            server.close();
        }
    }

    private static LtpServer startServer(int port, ThreadStore threads, List<String> delivered) {
        return LtpServer.builder().host("127.0.0.1").port(port).threadStore(threads)
                .handler(new LtpHandler() {
                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        delivered.add(event.data().getAsString());
                    }
                }).build().start();
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        Outcome outcome = run(System.out);
        System.out.println("  the server received, in order:");
        outcome.delivered().forEach(message -> System.out.println("    " + message));
    }
}
