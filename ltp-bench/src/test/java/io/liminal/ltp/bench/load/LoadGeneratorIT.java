package io.liminal.ltp.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.liminal.ltp.bench.server.BenchServer;
import io.liminal.ltp.server.LtpServer;
import io.liminal.ltp.testing.TcpProxy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The load generator against a real ltp-server over real sockets. */
@Timeout(120)
class LoadGeneratorIT {

    private static LtpServer server() {
        return BenchServer.builder(0).build()
                .start();
    }

    @Test
    @DisplayName("sessions whose connections are cut reconnect, resume their threads and carry on; what was in flight counts as unanswered")
    void reconnectsAndResumes() throws Exception {
        int sessions = 20;
        try (LtpServer server = server(); TcpProxy proxy = TcpProxy.start(server.port())) {
            LoadGenerator generator = new LoadGenerator(LoadOptions.parse(new String[] {
                "--url", "ws://127.0.0.1:" + proxy.port() + "/", "--mode", "closed", "--sessions", "" + sessions,
                "--warmup", "0s", "--duration", "60s", "--label", "reconnect"}));
            CountDownLatch measuring = new CountDownLatch(1);
            CountDownLatch allBack = new CountDownLatch(1);
            generator.onMeasuring(measuring::countDown);
            generator.onReconnect(total -> {
                if (total == sessions) {
                    allBack.countDown();
                }
            });
            CompletableFuture<LoadReport> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return generator.run();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(measuring.await(30, TimeUnit.SECONDS)).isTrue();
            proxy.cutAll();
            assertThat(allBack.await(30, TimeUnit.SECONDS)).as("every session reconnected").isTrue();
            long resumed = resumedHandshakes(server);
            // Only resumed connections are left: more replies mean the sessions carried on.
            generator.whenReplies(generator.repliesSoFar() + 5L * sessions).get(30, TimeUnit.SECONDS);
            generator.stop();
            LoadReport report = run.get(30, TimeUnit.SECONDS);
            System.out.println(report.toText());
            assertThat(report.drops()).isEqualTo(sessions);
            assertThat(report.reconnects()).isEqualTo(sessions);
            assertThat(resumed).as("resumed, not new threads").isEqualTo(sessions);
            assertThat(report.errors()).isZero();
            // A closed-loop session has at most one request in flight when it is cut.
            assertThat(report.unanswered()).isBetween(1L, (long) sessions);
            assertThat(report.toJson()).contains("\"reconnects\":" + sessions);
        }
    }

    @Test
    @DisplayName("event load is answered by the application, heartbeats go alongside, and /metrics gives memory per session")
    void eventsWithHeartbeatsAndMetrics() throws Exception {
        int sessions = 10;
        try (LtpServer server = server()) {
            LoadReport report = new LoadGenerator(LoadOptions.parse(new String[] {
                "--url", "ws://127.0.0.1:" + server.port() + "/", "--mode", "closed", "--sessions", "" + sessions,
                "--message", "event", "--heartbeat", "200ms", "--warmup", "1s", "--duration", "3s",
                "--metrics-url", "http://127.0.0.1:" + server.port() + "/metrics", "--label", "events"})).run();
            System.out.println(report.toText());
            assertThat(report.replies()).isGreaterThan(100);
            assertThat(report.heartbeatReplies()).isPositive();
            assertThat(report.errors()).isZero();
            assertThat(report.unanswered()).isZero();
            assertThat(report.drops()).isZero();
            assertThat(report.serverMetrics().addedConnections()).isEqualTo(sessions);
            assertThat(report.serverMetrics().heapBefore()).isPositive();
            assertThat(report.toJson()).contains("\"message\":\"event\"", "\"metrics_connections\":" + sessions + ".0");
            double events = server.meterRegistry().get("ltp_messages_received_total").tag("type", "event")
                    .functionCounter().count();
            assertThat(events).isGreaterThanOrEqualTo(report.replies());
        }
    }

    @Test
    @DisplayName("open loop: the warm-up lasts until a whole second ran at the offered rate, so a stalled start stays out of the window")
    void openLoopSettlesBeforeMeasuring() throws Exception {
        LoadReport report = stalledStart(2_000, "20s");
        assertThat(report.settled()).isTrue();
        assertThat(report.warmupSeconds()).as("warmed up past the stall and its burst").isGreaterThan(2.0);
        assertThat(report.latencyMicros().getMaxValue()).as("no stalled reply measured").isLessThan(500_000);
        assertThat(report.lateReplies()).isZero();
        assertThat(report.toJson()).contains("\"settled\":true");
    }

    @Test
    @DisplayName("open loop with --settle off: the window opens after --warmup and measures the stalled replies")
    void openLoopWithoutSettlingMeasuresTheBacklog() throws Exception {
        LoadReport report = stalledStart(2_000, "off");
        assertThat(report.warmupSeconds()).isLessThan(2.0);
        assertThat(report.latencyMicros().getMaxValue()).as("replies held back for 2 s").isGreaterThan(1_000_000);
        assertThat(report.lateReplies()).isPositive();
    }

    @Test
    @DisplayName("open loop: a run that never settles opens its window after --settle and says it did not settle")
    void openLoopSettlingIsBounded() throws Exception {
        LoadReport report = stalledStart(4_500, "2s");
        assertThat(report.settled()).isFalse();
        assertThat(report.warmupSeconds()).isBetween(2.9, 4.5);
        assertThat(report.toText()).contains("(not settled)");
        assertThat(report.unanswered()).as("the stall ends within the window").isZero();
    }

    /** An open-loop run (1 s warm-up, 3 s window) whose answers are held back from the start of the load. */
    private static LoadReport stalledStart(long stallMillis, String settle) throws Exception {
        try (LtpServer server = server(); TcpProxy proxy = TcpProxy.start(server.port())) {
            LoadGenerator generator = new LoadGenerator(LoadOptions.parse(new String[] {
                "--url", "ws://127.0.0.1:" + proxy.port() + "/", "--mode", "open", "--sessions", "20",
                "--rate", "200", "--warmup", "1s", "--settle", settle, "--duration", "3s", "--label", "settle"}));
            generator.onLoadStarted(() -> {
                proxy.stallDownstream(true);
                CompletableFuture.delayedExecutor(stallMillis, TimeUnit.MILLISECONDS)
                        .execute(() -> proxy.stallDownstream(false));
            });
            LoadReport report = generator.run();
            System.out.println(report.toText());
            return report;
        }
    }

    private static long resumedHandshakes(LtpServer server) {
        var counter = server.meterRegistry().find("ltp_handshakes_total").tag("outcome", "accepted_resume").counter();
        return counter == null ? 0 : (long) counter.count();
    }
}
