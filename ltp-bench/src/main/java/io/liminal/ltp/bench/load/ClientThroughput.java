package io.liminal.ltp.bench.load;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.liminal.ltp.bench.report.PerformanceReport;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;

/**
 * How many small events per second one {@link LtpClient} delivers to a local server (until the server's handler
 * has seen all of them and the server has acknowledged the last one), beside a bare Java-WebSocket client sending
 * the same frames as the baseline. The LtpClient runs as built by default, so with the delivery extension
 * {@code delivery-v1} (numbered messages, acknowledged by the server, in-memory store): the run fails if a message
 * reached the handler without a number.
 *
 * <pre>java -cp ltp-bench.jar io.liminal.ltp.bench.load.ClientThroughput [messages]</pre>
 */
public final class ClientThroughput {
    private static final int ROUNDS = 3;

    private ClientThroughput() {
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
        String json = args.length > 1 ? args[1] : null;
        AtomicLong received = new AtomicLong();
        AtomicLong unnumbered = new AtomicLong();
        CountDownLatch[] done = new CountDownLatch[1];
        long[] target = new long[1];
        try (LtpServer server = LtpServer.builder().host("127.0.0.1").port(0).noRateLimit()
                .handler(new LtpHandler() {
                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        if (session.delivery() == null && !session.clientId().equals("raw")) {
                            unnumbered.incrementAndGet();
                        }
                        if (received.incrementAndGet() == target[0]) {
                            done[0].countDown();
                        }
                    }
                }).build().start()) {
            URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/");
            // Warm up both paths, then alternate them and take each one's median: the host's noise moves single runs
            // by a third.
            run(uri, messages / 5, received, done, target, false);
            run(uri, messages / 5, received, done, target, true);
            List<Double> raws = new ArrayList<>();
            List<Double> clients = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                raws.add(run(uri, messages, received, done, target, true));
                clients.add(run(uri, messages, received, done, target, false));
            }
            if (unnumbered.get() > 0) {
                throw new IllegalStateException(unnumbered.get() + " LtpClient events arrived without delivery-v1");
            }
            double raw = PerformanceReport.median(raws);
            double client = PerformanceReport.median(clients);
            String line = String.format(Locale.ROOT, "client throughput: LtpClient %,.0f msg/s, bare Java-WebSocket "
                    + "client %,.0f msg/s (ratio %.2f), %d small events each, median of %d rounds, LtpClient with "
                    + "delivery-v1, every send acknowledged (LtpClient: %s)",
                    client, raw, client / raw, messages, ROUNDS, clients.stream()
                            .map(r -> String.format(Locale.ROOT, "%,.0f", r)).toList());
            System.out.println(line);
            if (json != null) {
                JsonObject result = new JsonObject();
                result.addProperty("label", "client-throughput");
                result.addProperty("messages", messages);
                result.addProperty("ltp_client_per_second", client);
                result.addProperty("raw_client_per_second", raw);
                result.addProperty("rounds", ROUNDS);
                result.addProperty("delivery", true);
                java.nio.file.Files.writeString(java.nio.file.Path.of(json), result + "\n",
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            }
        }
    }

    private static double run(URI uri, int messages, AtomicLong received, CountDownLatch[] done, long[] target,
            boolean raw) throws Exception {
        received.set(0);
        target[0] = messages;
        done[0] = new CountDownLatch(1);
        long start;
        if (raw) {
            CountDownLatch acked = new CountDownLatch(1);
            String[] ids = new String[2];
            WebSocketClient socket = new WebSocketClient(uri) {
                @Override
                public void onOpen(ServerHandshake handshake) {
                    send("{\"type\":\"handshake_init\",\"ltp_version\":\"0.3\",\"client_id\":\"raw\"}");
                }

                @Override
                public void onMessage(String message) {
                    JsonObject ack = JsonParser.parseString(message).getAsJsonObject();
                    if (ack.has("session_id") && ids[0] == null) {
                        ids[0] = ack.get("thread_id").getAsString();
                        ids[1] = ack.get("session_id").getAsString();
                        acked.countDown();
                    }
                }

                @Override
                public void onClose(int code, String reason, boolean remote) {
                }

                @Override
                public void onError(Exception ex) {
                }
            };
            socket.connect();
            acked.await(10, TimeUnit.SECONDS);
            String prefix = "{\"type\":\"event\",\"thread_id\":\"" + ids[0] + "\",\"session_id\":\"" + ids[1]
                    + "\",\"timestamp\":1731600000,\"payload\":{\"event_type\":\"tick\",\"data\":";
            start = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                socket.send(prefix + i + "},\"meta\":{\"client_id\":\"raw\"},\"nonce\":\"raw-" + i + "\"}");
            }
            done[0].await(120, TimeUnit.SECONDS);
            long elapsed = System.nanoTime() - start;
            socket.closeBlocking();
            return messages / (elapsed / 1e9);
        }
        try (LtpClient client = LtpClient.builder(uri).clientId("throughput").build()) {
            client.connect().get(10, TimeUnit.SECONDS);
            // Under delivery-v1 a send's future completes at the server's acknowledgement: a window of 10,000
            // unacknowledged sends, and the run ends when the last one is acknowledged.
            ArrayDeque<CompletableFuture<Void>> window = new ArrayDeque<>();
            start = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                window.add(client.sendEvent("tick", new JsonPrimitive(i)));
                if (window.size() >= 10_000) {
                    window.poll().join();
                }
            }
            done[0].await(120, TimeUnit.SECONDS);
            window.peekLast().get(120, TimeUnit.SECONDS);
            return messages / ((System.nanoTime() - start) / 1e9);
        }
    }
}
