package io.liminal.ltp.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.bench.server.BenchServer;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.testing.TcpProxy;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The delivery-v1 load sessions against a real ltp-server: numbering, acks, resume, resend and replay. */
@Timeout(120)
class DeliverySessionsIT {

    @Test
    @DisplayName("cut connections resume by themselves, resend what was not processed, and every event is answered "
            + "exactly once")
    void everyEventAnsweredOnceAcrossCuts() throws Exception {
        try (LtpServer server = BenchServer.builder(0).build().start();
             TcpProxy proxy = TcpProxy.start(server.port());
             DeliverySessions load = new DeliverySessions(URI.create("ws://127.0.0.1:" + proxy.port() + "/"), true,
                     1)) {
            load.connect(10, 10).get(30, TimeUnit.SECONDS);
            load.closedLoop(4);
            await(load.when(() -> load.answered.sum() >= 200));
            proxy.cutAll(); // events and replies in flight are lost on the wire
            await(load.when(() -> load.resumes.sum() == 10));
            await(load.when(() -> load.answered.sum() >= 400));
            load.stopSending();
            // Each session's counters are visible here: it counted itself caught up after updating them.
            await(load.when(() -> load.caughtUpSessions() == 10));

            assertThat(load.drops.sum()).isEqualTo(10);
            assertThat(load.answered.sum()).isEqualTo(load.sent.sum());
            for (DeliverySessions.Session session : load.sessions()) {
                assertThat(session.replies).isEqualTo(session.nextSeq - 1);
                assertThat(session.processedByServer).isEqualTo(session.nextSeq - 1);
            }
            assertThat(load.rejects.sum() + load.errors.sum()).isZero();
        }
    }

    @Test
    @DisplayName("open loop: an event is timed from when its schedule said to send it, so a late generator is "
            + "measured, not hidden")
    void openLoopTimesEventsFromTheirSchedule() throws Exception {
        try (LtpServer server = BenchServer.builder(0).build().start();
             DeliverySessions load = new DeliverySessions(URI.create("ws://127.0.0.1:" + server.port() + "/"), true,
                     1)) {
            load.connect(1, 1).get(30, TimeUnit.SECONDS);
            load.openLoop(100); // one event every 10 ms
            await(load.when(() -> load.answered.sum() >= 20));
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<Void> blocked = new CompletableFuture<>();
            blockWhenIdle(load, blocked, release); // the generator then falls 300 ms behind its schedule
            await(blocked);
            load.latency.reset();
            CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS).execute(release::countDown);
            long answered = load.answered.sum();
            await(load.when(() -> load.answered.sum() >= answered + 40));
            load.stopSending();

            assertThat(load.latency.getIntervalHistogram().getMaxValue())
                    .as("the events due during the block waited for it")
                    .isGreaterThan(TimeUnit.MILLISECONDS.toNanos(250));
        }
    }

    /**
     * Blocks the session's event loop until {@code release}, from a moment when no event is in flight: a reply
     * read late would measure the block however events are timed.
     */
    private static void blockWhenIdle(DeliverySessions load, CompletableFuture<Void> blocked, CountDownLatch release) {
        DeliverySessions.Session session = load.sessions().get(0);
        session.loop.execute(() -> {
            if (load.sent.sum() != load.answered.sum()) {
                blockWhenIdle(load, blocked, release); // try again after the reply
                return;
            }
            blocked.complete(null);
            awaitQuietly(release);
        });
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(CompletableFuture<Void> condition) throws Exception {
        condition.get(60, TimeUnit.SECONDS);
    }
}
