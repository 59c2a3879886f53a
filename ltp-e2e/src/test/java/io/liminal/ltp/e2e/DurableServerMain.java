package io.liminal.ltp.e2e;

import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.DeliveryInfo;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import io.liminal.ltp.server.store.DeliveryStore;
import io.liminal.ltp.server.store.ThreadStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The server of the crash tests, run as its own process so that it can be killed: an ltp-server on a durable store
 * whose handler records each client event in a file, and a producer that streams numbered events to the client's
 * thread. Both are written the way the delivery guide tells applications to: the handler keeps its own last
 * applied number and skips a message the server marks as a possible redelivery if it has applied it already; the
 * producer continues after what the store's log holds.
 *
 * <pre>DurableServerMain &lt;port&gt; &lt;store spec&gt; &lt;record file&gt; &lt;messages&gt;</pre>
 */
public final class DurableServerMain {
    private DurableServerMain() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String spec = args[1];
        Path record = Path.of(args[2]);
        int total = Integer.parseInt(args[3]);
        ThreadStore store = E2eStores.open(spec);
        DeliveryStore log = (DeliveryStore) store;

        List<String> lines = Files.exists(record) ? Files.readAllLines(record) : List.of();
        long[] lastApplied = {lines.stream().filter(l -> l.matches("\\d+")).mapToLong(Long::parseLong).max().orElse(0)};
        OutputStream out = Files.newOutputStream(record, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        AtomicBoolean producing = new AtomicBoolean();
        LtpServer[] server = new LtpServer[1];
        server[0] = LtpServer.builder().host("127.0.0.1").port(port).noRateLimit().threadStore(store)
                .heartbeatInterval(Duration.ofSeconds(2))
                .handler(new LtpHandler() {
                    @Override
                    public void onSessionOpened(SessionContext session) {
                        if (producing.compareAndSet(false, true)) {
                            Thread producer = new Thread(() -> produce(server[0], log, session.threadId(), total),
                                    "producer");
                            producer.setDaemon(true);
                            producer.start();
                        }
                    }

                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        long n = Long.parseLong(event.data().getAsString());
                        DeliveryInfo delivery = session.delivery();
                        try {
                            if (n <= lastApplied[0]) {
                                // Only allowed for a message the server marks as a possible redelivery.
                                write(out, (delivery != null && delivery.possibleRedelivery() ? "REDELIVERED "
                                        : "DUPLICATE ") + n);
                                return;
                            }
                            write(out, Long.toString(n));
                            lastApplied[0] = n;
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }).build().start();
        System.out.println(ServerProcesses.READY + " on " + server[0].port());
        Thread.currentThread().join();
    }

    private static void write(OutputStream out, String line) throws IOException {
        // A process kill keeps what was written to the OS; no fsync needed for this test.
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Streams events 1..total to the thread, continuing after whatever the log already holds. */
    private static void produce(LtpServer server, DeliveryStore log, String threadId, int total) {
        for (long n = log.outboundBounds(threadId).last() + 1; n <= total; n++) {
            Envelope event = Envelope.builder("event")
                    .payloadOwned(new EventPayload("stream", new JsonPrimitive(Long.toString(n))).toJson()).build();
            server.pushTo(threadId, event).join();
        }
    }
}
