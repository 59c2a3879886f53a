package io.liminal.ltp.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonPrimitive;
import io.liminal.ltp.core.message.Envelope;
import io.liminal.ltp.core.message.EventPayload;
import io.liminal.ltp.server.DeliveryInfo;
import io.liminal.ltp.server.LtpHandler;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.SessionContext;
import io.liminal.ltp.server.store.DeliveryRetention;
import io.liminal.ltp.testing.Sequences;
import io.liminal.ltp.testing.TcpProxy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** ltp-client and ltp-server with delivery-v1 over real sockets, through a proxy that cuts connections. */
@Timeout(120)
class ClientDeliveryIT {
    private final List<String> serverSaw = Collections.synchronizedList(new ArrayList<>());
    private final List<DeliveryInfo> serverInfos = Collections.synchronizedList(new ArrayList<>());
    private final List<String> clientSaw = Collections.synchronizedList(new ArrayList<>());
    private final List<AutoCloseable> resources = new ArrayList<>();
    private volatile CountDownLatch handlerGate = new CountDownLatch(0);

    @TempDir
    Path directory;

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    private LtpServer server(Consumer<LtpServer.Builder> configure) {
        LtpServer.Builder builder = LtpServer.builder().host("127.0.0.1").port(0).noRateLimit()
                .handler(new LtpHandler() {
                    @Override
                    public void onEvent(SessionContext session, EventPayload event) {
                        try {
                            handlerGate.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        serverSaw.add(event.data().getAsString());
                        serverInfos.add(session.delivery());
                    }
                });
        configure.accept(builder);
        return track(builder.build().start());
    }

    private LtpClient.Builder client(int port) {
        return LtpClient.builder(URI.create("ws://127.0.0.1:" + port + "/")).clientId("delivery-client")
                .retry(LtpClient.retryConfig(1_000, Duration.ofMillis(20), Duration.ofMillis(200), 0.1))
                .noCircuitBreaker()
                .listener(new LtpClientListener() {
                    @Override
                    public void onEvent(EventPayload event, Envelope envelope) {
                        clientSaw.add(event.data().getAsString());
                    }
                });
    }

    private static Envelope event(String data) {
        return Envelope.builder("event").payloadOwned(new EventPayload("note", new JsonPrimitive(data)).toJson())
                .build();
    }

    private static void awaitSize(List<String> list, int size) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (list.size() < size && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        // One more moment for anything that should not be there (duplicates) to show up.
        Thread.sleep(100);
    }

    @Test
    @DisplayName("both directions arrive exactly once and in order while a proxy cuts the connection 50 times")
    void exactlyOnceAcrossCuts() throws Exception {
        LtpServer server = server(b -> { });
        TcpProxy proxy = track(TcpProxy.start(server.port()));
        LtpClient client = track(client(proxy.port()).build());
        client.connect().get(10, TimeUnit.SECONDS);
        String thread = client.threadId();
        int count = 3_000;
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        Thread pusher = new Thread(() -> {
            for (int i = 1; i <= count; i++) {
                server.pushTo(thread, event(Integer.toString(i))).join();
            }
        });
        pusher.start();
        java.util.Random random = new java.util.Random(42);
        int sent = 0;
        for (int cut = 1; cut <= 50; cut++) {
            for (int i = 0; i < count / 50; i++) {
                sent++;
                sends.add(client.sendEvent("note", new JsonPrimitive(Integer.toString(sent))));
            }
            Thread.sleep(random.nextInt(15)); // a random point of both streams
            int accepted = proxy.acceptedConnections();
            proxy.cutAll();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (proxy.acceptedConnections() == accepted && System.nanoTime() < deadline) {
                Thread.sleep(1); // until the client is back, so that every cut hits a live connection
            }
        }
        pusher.join(60_000);
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        awaitSize(serverSaw, count);
        awaitSize(clientSaw, count);
        assertThat(proxy.acceptedConnections()).isGreaterThanOrEqualTo(51);
        Sequences.assertOneToN("server saw", serverSaw, count);
        Sequences.assertOneToN("client saw", clientSaw, count);
        assertThat(serverInfos).extracting(DeliveryInfo::sequence).isSorted().doesNotHaveDuplicates();
    }

    @Test
    @DisplayName("send futures complete when the server acknowledges, not when the frame is written")
    void futuresCompleteOnAcknowledgement() throws Exception {
        server(b -> { });
        handlerGate = new CountDownLatch(1);
        LtpServer started = (LtpServer) resources.get(0);
        LtpClient client = track(client(started.port()).build());
        client.connect().get(10, TimeUnit.SECONDS);
        CompletableFuture<Void> sent = client.sendEvent("note", new JsonPrimitive("slow"));
        Thread.sleep(300);
        assertThat(sent).as("the handler has not returned yet").isNotDone();
        assertThat(client.bufferedMessages()).isEqualTo(1);
        handlerGate.countDown();
        sent.get(10, TimeUnit.SECONDS);
        assertThat(client.bufferedMessages()).isZero();
    }

    @Test
    @DisplayName("what the server pushed while the client was away is replayed on resume; a trimmed range is reported")
    void replayAndGap() throws Exception {
        LtpServer server = server(b -> b.delivery(new DeliveryRetention(3, 1 << 20, Duration.ofHours(1))));
        TcpProxy proxy = track(TcpProxy.start(server.port()));
        List<long[]> gaps = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch resumed = new CountDownLatch(1);
        LtpClient client = track(client(proxy.port()).listener(new LtpClientListener() {
            @Override
            public void onDeliveryGap(long fromSeq, long toSeq) {
                gaps.add(new long[] {fromSeq, toSeq});
            }

            @Override
            public void onConnected(String threadId, String sessionId, boolean resumedThread) {
                if (resumedThread) {
                    resumed.countDown();
                }
            }
        }).build());
        client.connect().get(10, TimeUnit.SECONDS);
        String thread = client.threadId();
        server.pushTo(thread, event("1")).join();
        awaitSize(clientSaw, 1);
        proxy.refuse(true);
        proxy.cutAll();
        for (int i = 2; i <= 6; i++) {
            server.pushTo(thread, event(Integer.toString(i))).join();
        }
        proxy.refuse(false);
        assertThat(resumed.await(20, TimeUnit.SECONDS)).isTrue();
        awaitSize(clientSaw, 4);
        assertThat(clientSaw).containsExactly("1", "4", "5", "6");
        assertThat(gaps).singleElement().satisfies(gap -> assertThat(gap).containsExactly(2, 3));
    }

    @Test
    @DisplayName("journaled messages of a closed client are resent by the next one and processed once")
    void journalAcrossClientRestart() throws Exception {
        LtpServer server = server(b -> { });
        handlerGate = new CountDownLatch(1);
        Path journal = directory.resolve("journal");
        Path ids = directory.resolve("ids.json");
        LtpClient first = client(server.port()).journal(FileMessageJournal.open(journal))
                .threadIdStore(new FileThreadIdStore(ids)).build();
        first.connect().get(10, TimeUnit.SECONDS);
        for (int i = 1; i <= 20; i++) {
            first.sendEvent("note", new JsonPrimitive(Integer.toString(i)));
        }
        // Wait until the server has them all; its handler holds them, so none is acknowledged yet.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (receivedEvents(server) < 20 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(receivedEvents(server)).isEqualTo(20);
        first.close();
        handlerGate.countDown();
        awaitSize(serverSaw, 20);
        LtpClient second = track(client(server.port()).journal(FileMessageJournal.open(journal))
                .threadIdStore(new FileThreadIdStore(ids)).build());
        second.connect().get(10, TimeUnit.SECONDS);
        second.sendEvent("note", new JsonPrimitive("21")).get(10, TimeUnit.SECONDS);
        awaitSize(serverSaw, 21);
        assertThat(serverSaw).containsExactlyElementsOf(Sequences.numbers(21));
        assertThat(second.bufferedMessages()).isZero();
    }

    private static double receivedEvents(LtpServer server) {
        io.micrometer.core.instrument.FunctionCounter counter = server.meterRegistry().find("ltp_messages_received_total")
                .tag("type", "event").functionCounter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    @DisplayName("with a plain v0.3 server the client works as before: no numbers, futures complete on write")
    void plainServer() throws Exception {
        LtpServer server = server(LtpServer.Builder::noDelivery);
        LtpClient client = track(client(server.port()).build());
        client.connect().get(10, TimeUnit.SECONDS);
        client.sendEvent("note", new JsonPrimitive("plain")).get(10, TimeUnit.SECONDS);
        awaitSize(serverSaw, 1);
        assertThat(serverSaw).containsExactly("plain");
        assertThat(serverInfos).containsExactly((DeliveryInfo) null);
        server.pushTo(client.threadId(), event("back")).join();
        awaitSize(clientSaw, 1);
        assertThat(clientSaw).containsExactly("back");
    }

    @Test
    @DisplayName("a client with the extension off is a plain v0.3 peer of a delivery server")
    void plainClient() throws Exception {
        LtpServer server = server(b -> { });
        LtpClient client = track(client(server.port()).noDelivery().build());
        client.connect().get(10, TimeUnit.SECONDS);
        client.sendEvent("note", new JsonPrimitive("plain")).get(10, TimeUnit.SECONDS);
        awaitSize(serverSaw, 1);
        assertThat(serverInfos).containsExactly((DeliveryInfo) null);
        assertThat(server.pushTo(client.threadId(), event("back")).join()).isEqualTo(1);
        awaitSize(clientSaw, 1);
        assertThat(clientSaw).containsExactly("back");
    }
}
