package io.liminal.ltp.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.bench.server.BenchServer;
import io.liminal.ltp.server.LtpServer;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The no-stall soak at CI size: closed-loop sessions against ltp-server over real sockets; every reply within
 * 1 s, nothing left unanswered. The full size (100 sessions, 60 s) runs from {@code ltp-bench/run-benchmarks.sh}.
 */
@Timeout(120)
class SoakIT {

    @Test
    @DisplayName("closed-loop sessions for 10 s: zero replies later than 1 s, zero unanswered, no drops or errors")
    void noStalls() throws Exception {
        try (LtpServer server = BenchServer.builder(0).build().start()) {
            LoadOptions options = LoadOptions.parse(new String[] {"--url", "ws://127.0.0.1:" + server.port() + "/",
                    "--mode", "closed", "--sessions", "50", "--duration", "10s", "--warmup", "2s", "--label", "ci-soak"});
            LoadReport report = new LoadGenerator(options).run();
            System.out.println(report.toText());
            assertThat(report.replies()).isGreaterThan(1_000);
            assertThat(report.lateReplies()).isZero();
            assertThat(report.unanswered()).isZero();
            assertThat(report.drops()).isZero();
            assertThat(report.errors()).isZero();
            assertThat(report.latencyMicros().getMaxValue()).isLessThan(Duration.ofSeconds(1).toNanos() / 1000);
        }
    }
}
