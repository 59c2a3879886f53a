package io.liminal.ltp.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.bench.server.BenchServer;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.testing.TcpProxy;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
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

    private static void await(CompletableFuture<Void> condition) throws Exception {
        condition.get(60, TimeUnit.SECONDS);
    }
}
