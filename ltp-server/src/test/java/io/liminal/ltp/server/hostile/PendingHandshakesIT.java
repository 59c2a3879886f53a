package io.liminal.ltp.server.hostile;

import static io.liminal.ltp.server.TestFrames.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.server.PeerLimits;
import io.liminal.ltp.server.TestFrames;
import io.liminal.ltp.server.store.ForwardingStore;
import io.liminal.ltp.server.store.InMemoryThreadStore;
import io.liminal.ltp.server.store.ThreadRecord;
import io.liminal.ltp.testing.WsTestClient;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Handshakes that wait for a blocking store are bounded, and one whose client left costs the store nothing. */
@Timeout(60)
class PendingHandshakesIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final CountDownLatch release = new CountDownLatch(1);
    private final Semaphore entered = new Semaphore(0);
    private final AtomicInteger creates = new AtomicInteger();
    /** Handshakes handed to the blocking executor. */
    private final Semaphore queued = new Semaphore(0);
    private ExecutorService blocking;
    private LtpServer server;

    /** A store that holds every thread creation until {@link #release}. */
    private final class SlowStore extends ForwardingStore {
        SlowStore() {
            super(new InMemoryThreadStore());
        }

        @Override
        public boolean isBlocking() {
            return true;
        }

        @Override
        public void create(ThreadRecord thread) {
            creates.incrementAndGet();
            entered.release();
            try {
                release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            super.create(thread);
        }
    }

    private URI start(int maxPending, int blockingThreads) {
        blocking = Executors.newFixedThreadPool(blockingThreads);
        server = LtpServer.builder().host("127.0.0.1").port(0).threadStore(new SlowStore())
                .blockingExecutor(task -> {
                    queued.release();
                    blocking.execute(task);
                })
                .peerLimits(PeerLimits.builder().maxPendingHandshakes(maxPending).build())
                .build().start();
        return URI.create("ws://127.0.0.1:" + server.port() + "/");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        blocking.shutdownNow();
    }

    @Test
    @DisplayName("past maxPendingHandshakes a handshake is refused at once: RATE_LIMIT_EXCEEDED, 1008; the waiting "
            + "ones complete")
    void pastTheBoundRefused() throws Exception {
        URI uri = start(2, 4);
        WsTestClient first = WsTestClient.connect(uri).send(TestFrames.init("c1"));
        WsTestClient second = WsTestClient.connect(uri).send(TestFrames.init("c2"));
        assertThat(entered.tryAcquire(2, WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("both wait in the store")
                .isTrue();

        WsTestClient third = WsTestClient.connect(uri).send(TestFrames.init("c3"));
        JsonObject refusal = json(third.next());
        assertThat(TestFrames.errorCode(refusal.toString())).isEqualTo("RATE_LIMIT_EXCEEDED");
        assertThat(refusal.getAsJsonObject("payload").getAsJsonObject("details").get("limit").getAsString())
                .isEqualTo("pending_handshakes");
        WsTestClient.Close close = third.awaitClose(WAIT);
        assertThat(close.code()).isEqualTo(1008);
        assertThat(creates).as("the refused one never reached the store").hasValue(2);

        release.countDown();
        assertThat(TestFrames.type(first.next())).isEqualTo("handshake_ack");
        assertThat(TestFrames.type(second.next())).isEqualTo("handshake_ack");
        assertThat(server.meterRegistry().get("ltp_handshakes_total").tag("outcome", "refused_busy").counter()
                .count()).isEqualTo(1);
        first.close();
        second.close();
    }

    @Test
    @DisplayName("a handshake whose client left while it waited is dropped without touching the store")
    void aLeftClientCostsTheStoreNothing() throws Exception {
        URI uri = start(10, 1);
        WsTestClient first = WsTestClient.connect(uri).send(TestFrames.init("c1"));
        assertThat(entered.tryAcquire(1, WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        WsTestClient leaving = WsTestClient.connect(uri).send(TestFrames.init("c2"));
        assertThat(queued.tryAcquire(2, WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("c2 waits behind c1").isTrue();
        leaving.close(1000, "bye");
        // The server marks the connection gone before it echoes the close; c2's handshake
        // runs only after the release below.
        assertThat(leaving.awaitClose(WAIT).code()).isEqualTo(1000);

        release.countDown();
        assertThat(TestFrames.type(first.next())).isEqualTo("handshake_ack");
        WsTestClient third = WsTestClient.connect(uri).send(TestFrames.init("c3"));
        assertThat(TestFrames.type(third.next())).isEqualTo("handshake_ack");
        assertThat(creates).as("c1 and c3, not the client that left").hasValue(2);
        first.close();
        third.close();
    }
}
