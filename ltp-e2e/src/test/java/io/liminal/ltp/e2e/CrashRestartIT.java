package io.liminal.ltp.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonPrimitive;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.testing.Sequences;
import io.liminal.ltp.testing.TcpProxy;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The durability promise end to end: a client streams 10,000 numbered messages to a server process while the
 * server streams 10,000 back; the server is killed (SIGKILL, no drain) twice mid-stream, with acknowledgements
 * held back just before, and restarted on the same store. Afterwards both sides' handlers have seen every message
 * exactly once, in order.
 */
@Timeout(600)
class CrashRestartIT {
    static final int MESSAGES = 10_000;

    @TempDir
    Path directory;

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private Process startServer(int port, String spec, Path record) throws IOException {
        return ServerProcesses.start(DurableServerMain.class, directory.resolve("server.log"), Integer.toString(port),
                spec, record.toString(), Integer.toString(MESSAGES));
    }

    private static List<String> recordLines(Path record) throws IOException {
        return Files.exists(record) ? Files.readAllLines(record) : List.of();
    }

    private static long applied(Path record) throws IOException {
        return recordLines(record).stream().filter(l -> l.matches("\\d+")).count();
    }

    @ParameterizedTest(name = "LTP_STORE={0}")
    @ValueSource(strings = {"sqlite", "postgresql", "redis"})
    @DisplayName("10,000 messages each way, two server crashes mid-stream: every message once, in order")
    void exactlyOnceAcrossServerCrashes(String kind) throws Exception {
        String spec = E2eStores.spec(kind, directory);
        Path record = directory.resolve("server-record.txt");
        int port = freePort();
        List<String> clientSaw = Collections.synchronizedList(new ArrayList<>());
        Process server = startServer(port, spec, record);
        // Through a proxy that can hold acknowledgements back: a crash then leaves messages that the server
        // processed but the client never heard about, which only the server's durable cursor can recognise.
        TcpProxy proxy = TcpProxy.start(port);
        LtpClient client = E2eClients.durable(URI.create("ws://127.0.0.1:" + proxy.port() + "/"),
                "e2e-" + kind + "-" + UUID.randomUUID(), directory, MESSAGES, clientSaw::add);
        try {
            client.connect().get(30, TimeUnit.SECONDS);
            List<CompletableFuture<Void>> sends = Collections.synchronizedList(new ArrayList<>(MESSAGES));
            // Kept at most 1,000 ahead of the server's stream, so that both streams are in flight when it dies.
            Thread sender = new Thread(() -> {
                for (int n = 1; n <= MESSAGES; n++) {
                    sends.add(client.sendEvent("stream", new JsonPrimitive(Integer.toString(n))));
                    try {
                        while (clientSaw.size() < n - 1_000) {
                            Thread.sleep(1);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }, "sender");
            sender.start();
            for (double at : new double[] {0.3, 0.65}) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
                while ((applied(record) < at * MESSAGES || clientSaw.size() < at * MESSAGES)
                        && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                proxy.stallDownstream(true);
                Thread.sleep(300); // the server keeps processing; its acknowledgements wait in the proxy
                System.out.printf("%s: killing the server at %d applied, %d received, %d unacknowledged%n", kind,
                        applied(record), clientSaw.size(), client.bufferedMessages());
                server.destroyForcibly();
                assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
                proxy.cutAll();
                proxy.stallDownstream(false);
                server = startServer(port, spec, record);
            }
            sender.join(TimeUnit.SECONDS.toMillis(120));
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(300, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (clientSaw.size() < MESSAGES && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(500); // room for a duplicate to show up, if there were one
            List<String> lines = recordLines(record);
            assertThat(lines).as("the server handler never saw an unmarked duplicate")
                    .noneMatch(line -> line.startsWith("DUPLICATE"));
            Sequences.assertOneToN("the server handler applied",
                    lines.stream().filter(l -> l.matches("\\d+")).toList(), MESSAGES);
            Sequences.assertOneToN("the client listener saw", clientSaw, MESSAGES);
            System.out.printf("%s: %d messages each way; %d possible redeliveries marked and skipped%n", kind,
                    MESSAGES, lines.stream().filter(l -> l.startsWith("REDELIVERED")).count());
        } finally {
            client.close();
            proxy.close();
            server.destroyForcibly();
            server.waitFor(30, TimeUnit.SECONDS);
            E2eStores.drop(spec);
        }
    }
}
