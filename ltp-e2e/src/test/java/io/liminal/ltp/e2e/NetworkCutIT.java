package io.liminal.ltp.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonPrimitive;
import io.liminal.ltp.client.LtpClient;
import io.liminal.ltp.client.LtpClientListener;
import io.liminal.ltp.client.OverflowPolicy;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.jdbc.JdbcThreadStore;
import io.liminal.ltp.server.DeliveryInfo;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import io.liminal.ltp.testing.Sequences;
import io.liminal.ltp.testing.TcpProxy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10,000 messages each way between ltp-client and ltp-server (SQLite store) while a TCP proxy between them cuts
 * every connection 50 times at random points: every message arrives exactly once and in order, and the server
 * never even has to mark a possible redelivery (it did not crash).
 */
@Timeout(300)
class NetworkCutIT {
    private static final int MESSAGES = CrashRestartIT.MESSAGES;

    @TempDir
    Path directory;

    @Test
    @DisplayName("50 cuts at random points: every message once, in order, both ways")
    void exactlyOnceAcrossFiftyCuts() throws Exception {
        List<String> serverSaw = Collections.synchronizedList(new ArrayList<>());
        List<DeliveryInfo> infos = Collections.synchronizedList(new ArrayList<>());
        List<String> clientSaw = Collections.synchronizedList(new ArrayList<>());
        try (LtpServer server = LtpServer.builder().host("127.0.0.1").port(0).noRateLimit()
                .threadStore(JdbcThreadStore.sqlite(directory.resolve("threads.db")))
                .handler(new LtpHandler() {
                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        serverSaw.add(event.data().getAsString());
                        infos.add(session.delivery());
                    }
                }).build().start();
             TcpProxy proxy = TcpProxy.start(server.port());
             LtpClient client = LtpClient.builder(URI.create("ws://127.0.0.1:" + proxy.port() + "/"))
                     .clientId("cut-client")
                     .offlineBuffer(2 * MESSAGES, 64L << 20, OverflowPolicy.FAIL)
                     .retry(LtpClient.retryConfig(Integer.MAX_VALUE - 1, Duration.ofMillis(20), Duration.ofMillis(200),
                             0.1))
                     .noCircuitBreaker()
                     .listener(new LtpClientListener() {
                         @Override
                         public void onEvent(EventPayload event, Envelope envelope) {
                             clientSaw.add(event.data().getAsString());
                         }
                     }).build()) {
            client.connect().get(30, TimeUnit.SECONDS);
            String thread = client.threadId();
            Thread pusher = new Thread(() -> {
                for (int n = 1; n <= MESSAGES; n++) {
                    Envelope event = Envelope.builder("event").payloadOwned(
                            new EventPayload("stream", new JsonPrimitive(Integer.toString(n))).toJson()).build();
                    server.pushTo(thread, event).join();
                }
            }, "pusher");
            pusher.start();
            List<CompletableFuture<Void>> sends = new ArrayList<>(MESSAGES);
            Random random = new Random(7);
            int sent = 0;
            for (int cut = 1; cut <= 50; cut++) {
                for (int i = 0; i < MESSAGES / 50; i++) {
                    sent++;
                    sends.add(client.sendEvent("stream", new JsonPrimitive(Integer.toString(sent))));
                }
                Thread.sleep(random.nextInt(40));
                int accepted = proxy.acceptedConnections();
                proxy.cutAll();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (proxy.acceptedConnections() == accepted && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
            }
            pusher.join(TimeUnit.SECONDS.toMillis(120));
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while ((clientSaw.size() < MESSAGES || serverSaw.size() < MESSAGES) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Thread.sleep(300);
            assertThat(proxy.acceptedConnections()).isGreaterThanOrEqualTo(51);
            Sequences.assertOneToN("server saw", serverSaw, MESSAGES);
            Sequences.assertOneToN("client saw", clientSaw, MESSAGES);
            assertThat(infos).extracting(DeliveryInfo::sequence).doesNotHaveDuplicates();
            assertThat(infos).as("one server run that never crashed: nothing may have been handed over before")
                    .noneMatch(DeliveryInfo::possibleRedelivery);
        }
    }
}
