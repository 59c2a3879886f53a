package io.liminal.ltp.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.bench.server.BenchServer;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.testing.TcpProxy;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
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
            awaitTrue(() -> load.answered.sum() >= 200);
            proxy.cutAll(); // events and replies in flight are lost on the wire
            awaitTrue(() -> load.resumes.sum() == 10);
            awaitTrue(() -> load.answered.sum() >= 400);
            load.stopSending();
            // caughtUpAtNanos is volatile: the counters it covers are visible after it
            awaitTrue(() -> load.sessions().stream().allMatch(s -> s.caughtUpAtNanos != 0));

            assertThat(load.drops.sum()).isEqualTo(10);
            assertThat(load.answered.sum()).isEqualTo(load.sent.sum());
            for (DeliverySessions.Session session : load.sessions()) {
                assertThat(session.replies).isEqualTo(session.nextSeq - 1);
                assertThat(session.processedByServer).isEqualTo(session.nextSeq - 1);
            }
            assertThat(load.rejects.sum() + load.errors.sum()).isZero();
        }
    }

    /** Polls a condition on state the event loops update; bounded. */
    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 60 s").isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
