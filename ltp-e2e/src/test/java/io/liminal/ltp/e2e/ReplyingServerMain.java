package io.liminal.ltp.e2e;

import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.DeliveryInfo;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import io.liminal.ltp.server.store.DeliveryRetention;
import io.liminal.ltp.server.store.ForwardingStore;
import io.liminal.ltp.server.store.ThreadStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The server of {@link ReplyCrashIT}, run as its own process so that it can die: an ltp-server on a durable store
 * whose handler answers every client event with a reply, written exactly as docs/durability.md tells applications
 * to ("apply once, reply every time"). Its effect is a line per applied message in a file, which holds the last
 * applied number per client instance.
 *
 * <pre>ReplyingServerMain &lt;port&gt; &lt;store spec&gt; &lt;record file&gt; &lt;halt&gt; [delivery batch]</pre>
 *
 * {@code halt} is {@code none}, {@code after-handler:N} (the process dies once message N's handler returned, before
 * the commit that covers it) or {@code after-commit:N} (right after that commit, before anything is sent or
 * acknowledged). Dying
 * is {@link Runtime#halt}: no shutdown hook, no drain, no clean stop, as under SIGKILL.
 */
public final class ReplyingServerMain {
    private ReplyingServerMain() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        ThreadStore store = haltingAt(E2eStores.open(args[1]), args[3]);
        Path record = Path.of(args[2]);
        Map<String, Long> lastApplied = readApplied(record);
        OutputStream effects = Files.newOutputStream(record, StandardOpenOption.CREATE, StandardOpenOption.APPEND);

        int batch = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        LtpServer server = LtpServer.builder().host("127.0.0.1").port(port).noRateLimit().threadStore(store)
                .heartbeatInterval(Duration.ofSeconds(2)).deliveryBatch(batch)
                .handler(new LtpHandler() {
                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        String n = event.data().getAsString();
                        DeliveryInfo delivery = session.delivery();
                        long applied = lastApplied.getOrDefault(delivery.clientInstance(), 0L);
                        if (delivery.sequence() > applied) {
                            // The effect and the number it applies, in one write: the application's transaction.
                            write(effects, delivery.clientInstance() + " " + delivery.sequence() + " " + n);
                            lastApplied.put(delivery.clientInstance(), delivery.sequence());
                        } else {
                            // Already applied: only allowed for a message the server marks.
                            write(effects, (delivery.possibleRedelivery() ? "REDELIVERED " : "DUPLICATE ") + n);
                        }
                        // Every time: the replies of a redelivered message were never logged.
                        session.reply(Envelope.builder("event").payloadOwned(new EventPayload("reply",
                                new JsonPrimitive("reply-" + n)).toJson()).build());
                    }
                }).build().start();
        System.out.println(ServerProcesses.READY + " on " + server.port() + ", halting " + args[3] + ", batches of "
                + batch);
        Thread.currentThread().join();
    }

    /** Lines {@code instance seq n}: the last applied number per instance. */
    private static Map<String, Long> readApplied(Path record) throws IOException {
        Map<String, Long> applied = new HashMap<>();
        if (Files.exists(record)) {
            for (String line : Files.readAllLines(record)) {
                String[] parts = line.split(" ");
                if (parts.length == 3) {
                    applied.merge(parts[0], Long.parseLong(parts[1]), Math::max);
                }
            }
        }
        return applied;
    }

    private static void write(OutputStream out, String line) {
        try {
            // A process death keeps what was written to the OS: no fsync needed for this test.
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The store, wrapped to halt the process at the commit that covers message N when {@code halt} says so. */
    private static ThreadStore haltingAt(ThreadStore store, String halt) {
        if (halt.equals("none")) {
            return store;
        }
        boolean beforeCommit = halt.startsWith("after-handler:");
        long at = Long.parseLong(halt.substring(halt.indexOf(':') + 1));
        return new ForwardingStore(store) {
            @Override
            public long commit(String threadId, List<Outbound> messages, Processed processed, Instant now,
                    DeliveryRetention retention) {
                boolean here = processed != null && processed.seq() >= at; // the first commit that covers it
                if (here && beforeCommit) {
                    Runtime.getRuntime().halt(137);
                }
                long first = super.commit(threadId, messages, processed, now, retention);
                if (here) {
                    Runtime.getRuntime().halt(137);
                }
                return first;
            }
        };
    }
}
