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

/** The durable-path load tool's open loop: its latency window opens only once the load runs at the offered rate. */
@Timeout(120)
class DeliveryLoadIT {

    @Test
    @DisplayName("the open loop settles only after a whole second at the offered rate: a stalled start and its "
            + "burst stay out of the window")
    void settlesAfterAStalledStart() throws Exception {
        assertThat(settleWithStalledStart(2_000, 20)).as("settled after the stall and its burst").isGreaterThan(2.0);
    }

    @Test
    @DisplayName("settling is bounded: a load that never reaches the offered rate says so after --settle seconds")
    void settlingIsBounded() throws Exception {
        double seconds = settleWithStalledStart(4_500, 2);
        assertThat(seconds).as("negative: never settled").isNegative();
        assertThat(-seconds).isBetween(1.9, 4.0);
    }

    /** Replies held back for {@code stallMillis} from the start of an open loop of 200 events/s; then settles. */
    private static double settleWithStalledStart(long stallMillis, int maxSeconds) throws Exception {
        try (LtpServer server = BenchServer.builder(0).build().start();
             TcpProxy proxy = TcpProxy.start(server.port());
             DeliverySessions load = new DeliverySessions(URI.create("ws://127.0.0.1:" + proxy.port() + "/"), true,
                     1)) {
            load.connect(20, 20).get(30, TimeUnit.SECONDS);
            proxy.stallDownstream(true);
            CompletableFuture.delayedExecutor(stallMillis, TimeUnit.MILLISECONDS)
                    .execute(() -> proxy.stallDownstream(false));
            load.openLoop(200);
            double seconds = DeliveryLoad.settle(load, 200, maxSeconds);
            load.stopSending();
            assertThat(load.awaitAnswered(30, TimeUnit.SECONDS)).isZero();
            return seconds;
        }
    }
}
