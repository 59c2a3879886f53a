package io.liminal.ltp.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonPrimitive;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.testing.Sequences;
import io.liminal.ltp.testing.TcpProxy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Exactly-once including what handlers send (the transactional outbox), end to end: a client sends 3,000 events to
 * a server process whose handler replies to each, written the way docs/durability.md says. The server dies three
 * times: right after the handler of one message returned (before its commit), right after the commit of another
 * (before anything was sent or acknowledged), and by SIGKILL at a random moment; the connection is cut at random
 * moments too. Afterwards every request was applied once, and every reply reached the client once, in order. With
 * batched commits ({@code deliveryBatch(16)}) the first death takes a whole batch of handled messages with it.
 */
@Timeout(600)
class ReplyCrashIT {
    private static final int MESSAGES = 3_000;
    private static final int AFTER_HANDLER = 300;
    private static final int AFTER_COMMIT = 900;

    @TempDir
    Path directory;

    @ParameterizedTest(name = "LTP_STORE={0}, LTP_DELIVERY_BATCH={1}")
    @CsvSource({"sqlite, 1", "postgresql, 1", "redis, 1", "sqlite, 16", "redis, 16"})
    @DisplayName("3 server deaths and random cuts while a handler replies to 3,000 messages: each applied once, "
            + "each reply received once, in order")
    void repliesSurviveServerDeaths(String kind, int batch) throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        System.out.printf("%s: random seed %d%n", kind, seed);
        String spec = E2eStores.spec(kind, directory);
        Path record = directory.resolve("applied-" + kind + ".txt");
        Path log = directory.resolve("server-" + kind + ".log");
        int port = CrashRestartIT.freePort();
        List<String> replies = Collections.synchronizedList(new ArrayList<>());
        Process server = ServerProcesses.start(ReplyingServerMain.class, log, Integer.toString(port), spec,
                record.toString(), "after-handler:" + AFTER_HANDLER, Integer.toString(batch));
        TcpProxy proxy = TcpProxy.start(port);
        LtpClient client = E2eClients.durable(URI.create("ws://127.0.0.1:" + proxy.port() + "/"),
                "reply-" + kind + "-" + UUID.randomUUID(), directory, MESSAGES,
                data -> replies.add(data.substring("reply-".length())));
        try {
            client.connect().get(30, TimeUnit.SECONDS);
            List<CompletableFuture<Void>> sends = Collections.synchronizedList(new ArrayList<>(MESSAGES));
            Thread sender = new Thread(() -> {
                for (int n = 1; n <= MESSAGES; n++) {
                    sends.add(client.sendEvent("request", new JsonPrimitive(Integer.toString(n))));
                    int sent = n;
                    if (!waitUntil(() -> replies.size() >= sent - 500, 60)) {
                        return;
                    }
                }
            }, "sender");
            sender.start();

            server = restartAfterItDies(server, log, port, spec, record, "after-commit:" + AFTER_COMMIT, batch,
                    random, proxy);
            server = restartAfterItDies(server, log, port, spec, record, "none", batch, random, proxy);
            int killAt = AFTER_COMMIT + 300 + random.nextInt(MESSAGES - AFTER_COMMIT - 600);
            assertThat(waitUntil(() -> replies.size() >= killAt, 180)).as("replies reach %d", killAt).isTrue();
            Thread.sleep(random.nextInt(50));
            System.out.printf("%s: SIGKILL at %d replies%n", kind, replies.size());
            server.destroyForcibly();
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
            proxy.cutAll();
            server = ServerProcesses.start(ReplyingServerMain.class, log, Integer.toString(port), spec,
                    record.toString(), "none", Integer.toString(batch));
            for (int cut = 0; cut < 3; cut++) {
                int at = replies.size() + random.nextInt(300);
                waitUntil(() -> replies.size() >= Math.min(at, MESSAGES - 1), 120);
                proxy.cutAll();
            }

            sender.join(TimeUnit.SECONDS.toMillis(120));
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            waitUntil(() -> replies.size() >= MESSAGES, 60);
            Thread.sleep(500); // room for a duplicate to show up, if there were one

            List<String> lines = Files.readAllLines(record);
            assertThat(lines).as("no unmarked duplicate reached the handler").noneMatch(l -> l.startsWith("DUPLICATE"));
            Sequences.assertOneToN("applied", lines.stream().filter(l -> l.split(" ").length == 3)
                    .map(l -> l.split(" ")[2]).toList(), MESSAGES);
            assertThat(lines).as("the message handed over before the first death came back marked")
                    .contains("REDELIVERED " + AFTER_HANDLER);
            assertThat(lines).as("the message committed before the second death was done").doesNotContain(
                    "REDELIVERED " + AFTER_COMMIT);
            Sequences.assertOneToN("replies received", replies, MESSAGES);
            System.out.printf("%s: %d requests applied once, %d replies once; %d marked redeliveries%n", kind,
                    MESSAGES, replies.size(), lines.stream().filter(l -> l.startsWith("REDELIVERED")).count());
        } finally {
            client.close();
            proxy.close();
            server.destroyForcibly();
            server.waitFor(30, TimeUnit.SECONDS);
            E2eStores.drop(spec);
        }
    }

    /** Waits for the server to die by itself (its halt point), cutting the connection meanwhile, and restarts it. */
    private static Process restartAfterItDies(Process server, Path log, int port, String spec, Path record,
            String nextHalt, int batch, Random random, TcpProxy proxy) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!server.waitFor(random.nextInt(200) + 50, TimeUnit.MILLISECONDS)) {
            assertThat(System.nanoTime()).as("the server reaches its halt point").isLessThan(deadline);
            if (random.nextInt(4) == 0) {
                proxy.cutAll();
            }
        }
        assertThat(server.exitValue()).isEqualTo(137);
        proxy.cutAll();
        return ServerProcesses.start(ReplyingServerMain.class, log, Integer.toString(port), spec, record.toString(),
                nextHalt, Integer.toString(batch));
    }

    private static boolean waitUntil(BooleanSupplier condition, int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        try {
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(2);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
