package io.liminal.ltp.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PerformanceReportTest {

    private static JsonObject json(String text) {
        return JsonParser.parseString(text).getAsJsonObject();
    }

    private static JsonObject echo(String server, double messagesPerSecond, double cpuNanos) {
        return json("{\"label\":\"echo:" + server + "\",\"messages_per_second\":" + messagesPerSecond
                + ",\"server_cpu_ns_per_message\":" + cpuNanos + ",\"p50_ms\":1,\"p99_ms\":3,\"p999_ms\":9,"
                + "\"late_replies\":0,\"unanswered\":0}");
    }

    @Test
    void echoTargetsUseTheMedianRatioOfAlternatingRounds() {
        String report = new PerformanceReport(List.of(
                echo("baseline", 100_000, 9_000), echo("ltp", 96_000, 10_000),
                echo("baseline", 100_000, 9_000), echo("ltp", 90_000, 12_000),
                echo("baseline", 100_000, 10_000), echo("ltp", 97_000, 11_000)), null).render();
        // CPU ratios 1.11, 1.33, 1.10 -> median 1.11; throughput 96 %, 90 %, 97 % -> median 96 %.
        assertThat(report).contains("| Echo: server CPU per message ≤ 1.15x baseline | 1.11x | yes |");
        assertThat(report).contains("| Echo: throughput ≥ 95% of baseline | 96.0% | yes |");
    }

    @Test
    void sseTargetsUseTheMedianRatioAgainstWebSocketInTheSameRounds() {
        String report = new PerformanceReport(List.of(
                json("{\"label\":\"sse-compare:websocket\",\"messages_per_second\":40000,"
                        + "\"server_cpu_ns_per_message\":20000,\"p99_ms\":4}"),
                json("{\"label\":\"sse-compare:sse\",\"peak_per_second\":24000,\"server_cpu_us_per_message\":50,"
                        + "\"closed_p99_ms\":9,\"open_p50_ms\":1.2,\"open_p99_ms\":6.5}"),
                json("{\"label\":\"sse-compare:websocket\",\"messages_per_second\":40000,"
                        + "\"server_cpu_ns_per_message\":20000,\"p99_ms\":4}"),
                json("{\"label\":\"sse-compare:sse\",\"peak_per_second\":16000,\"server_cpu_us_per_message\":70,"
                        + "\"closed_p99_ms\":9,\"open_p50_ms\":1.5,\"open_p99_ms\":30}"),
                json("{\"label\":\"sse-compare:websocket\",\"messages_per_second\":40000,"
                        + "\"server_cpu_ns_per_message\":20000,\"p99_ms\":4}"),
                json("{\"label\":\"sse-compare:sse\",\"peak_per_second\":22000,\"server_cpu_us_per_message\":55,"
                        + "\"closed_p99_ms\":9,\"open_p50_ms\":1.1,\"open_p99_ms\":7.5}")), null).render();
        // Throughput 60 %, 40 %, 55 % -> median 55 %; p99 at 2,000/s 6.5, 30, 7.5 -> median 7.5.
        assertThat(report).contains("## Fallback transport: sse-v1 against WebSocket")
                .contains("| 1 | sse-v1 | 24,000 | 50.0 us | 9.00 ms | 1.20 ms | 6.50 ms |")
                .contains("| sse-v1: throughput ≥ 50% of WebSocket's | 55.0% | yes |")
                .contains("| sse-v1: p99 < 20 ms at 2,000 msg/s | 7.50 ms | yes |");
    }

    @Test
    void durableRowsStateWhatEachConfigurationSurvives() {
        String report = new PerformanceReport(List.of(
                json("{\"label\":\"durable-memory-plain\",\"store\":\"memory\",\"delivery\":false,"
                        + "\"peak_per_second\":30000,\"half_load_per_second\":15000,\"p50_ms\":1.5,\"p99_ms\":9}"),
                json("{\"label\":\"durable-sqlite\",\"store\":\"sqlite\",\"delivery\":true,"
                        + "\"peak_per_second\":5400,\"server_cpu_us_per_message\":150,\"load_cpu_us_per_message\":9.46,"
                        + "\"half_load_per_second\":2700,"
                        + "\"p50_ms\":0.77,\"p99_ms\":11.1}")),
                null).render();
        assertThat(report).contains("## Durable path")
                .contains("| memory-plain (plain v0.3: no delivery-v1, nothing logged) | nothing | 30,000 | - | - | "
                        + "15,000 | 1.50 | 9.00 |")
                .contains("| sqlite | process crash (WAL, `synchronous=NORMAL`; the last commits can go with a power "
                        + "loss) | 5,400 | 150 us | 9.5 us | 2,700 | 0.77 | 11.10 |")
                .contains("| Durable: sqlite ≥ 15,000 msg/s | 5,400 msg/s | **no** |")
                .contains("| Durable: sqlite p99 < 20 ms at half its peak | 11.10 ms | yes |");
    }

    @Test
    void durableRowsSayWhenTheOpenLoopNeverSettled() {
        String report = new PerformanceReport(List.of(
                json("{\"label\":\"durable-sqlite\",\"store\":\"sqlite\",\"delivery\":true,"
                        + "\"peak_per_second\":5400,\"half_load_per_second\":2500,\"p50_ms\":3,\"p99_ms\":80,"
                        + "\"half_load_settled\":false}"),
                json("{\"label\":\"durable-redis\",\"store\":\"redis\",\"delivery\":true,"
                        + "\"peak_per_second\":22000,\"half_load_per_second\":11000,\"p50_ms\":1,\"p99_ms\":6,"
                        + "\"half_load_settled\":true}")),
                null).render();
        assertThat(report).contains("| 2,500 | 3.00 | 80.00 (not settled) |").contains("| 11,000 | 1.00 | 6.00 |");
    }

    @Test
    void durableRowsShowTheEchoFloorAtTheirRate() {
        String report = new PerformanceReport(List.of(
                json("{\"label\":\"durable-sqlite\",\"store\":\"sqlite\",\"delivery\":true,"
                        + "\"server_delivery_batch\":1,\"peak_per_second\":20000,\"half_load_per_second\":10000,"
                        + "\"p50_ms\":1,\"p99_ms\":24}"),
                json("{\"label\":\"floor:durable-sqlite:1\",\"mode\":\"open\",\"p50_ms\":0.2,\"p99_ms\":3.5}"),
                json("{\"label\":\"durable-sqlite\",\"store\":\"sqlite\",\"delivery\":true,"
                        + "\"server_delivery_batch\":16,\"peak_per_second\":40000,\"half_load_per_second\":20000,"
                        + "\"p50_ms\":9,\"p99_ms\":50}")),
                null).render();
        assertThat(report).contains("| Echo floor p99 ms |")
                .contains("| 10,000 | 1.00 | 24.00 | 3.50 |")
                .contains("| 20,000 | 9.00 | 50.00 | - |")
                .contains("| Durable: sqlite p99 < 20 ms at half its peak | 24.00 ms (bare echo at the same rate: "
                        + "3.50 ms) | **no** |")
                .contains("| Durable: sqlite (batches of 16) p99 < 20 ms at half its peak | 50.00 ms | **no** |")
                .doesNotContain("floor:durable");
    }

    @Test
    void durableRowsShowTheStoresOwnCpuWhenMeasured() {
        String report = new PerformanceReport(List.of(
                json("{\"label\":\"durable-redis\",\"store\":\"redis\",\"delivery\":true,"
                        + "\"peak_per_second\":22000,\"server_cpu_us_per_message\":45.2,"
                        + "\"store_cpu_us_per_message\":18.6,\"half_load_per_second\":11000,\"p50_ms\":1,"
                        + "\"p99_ms\":6}")),
                null).render();
        assertThat(report).contains("| 22,000 | 45 us (+ 19 us in redis) | - | 11,000 |");
    }

    @Test
    void batchedRunsAreNamedInRowsAndTargets() {
        String report = new PerformanceReport(List.of(
                json("{\"label\":\"durable-redis\",\"store\":\"redis\",\"delivery\":true,"
                        + "\"server_delivery_batch\":1,\"peak_per_second\":20000,\"half_load_per_second\":10000,"
                        + "\"p50_ms\":1,\"p99_ms\":12}"),
                json("{\"label\":\"durable-redis\",\"store\":\"redis\",\"delivery\":true,"
                        + "\"server_delivery_batch\":16,\"peak_per_second\":38000,\"half_load_per_second\":19000,"
                        + "\"p50_ms\":6,\"p99_ms\":30}")),
                null).render();
        assertThat(report)
                .contains("| redis | as Redis is configured")
                .contains("| redis (batches of 16) | as Redis is configured")
                .contains("| Durable: redis ≥ 25,000 msg/s | 20,000 msg/s | **no** |")
                .contains("| Durable: redis (batches of 16) ≥ 25,000 msg/s | 38,000 msg/s | yes |")
                .contains("| Durable: redis (batches of 16) p99 < 20 ms at half its peak | 30.00 ms | **no** |");
    }

    @Test
    void durableInMemoryTargetIsTheRatioToThePlainPeak() {
        String report = new PerformanceReport(List.of(
                json("{\"label\":\"durable-memory-plain\",\"store\":\"memory\",\"delivery\":false,"
                        + "\"peak_per_second\":40000,\"half_load_per_second\":20000,\"p50_ms\":1,\"p99_ms\":9}"),
                json("{\"label\":\"durable-memory\",\"store\":\"memory\",\"delivery\":true,"
                        + "\"peak_per_second\":36000,\"half_load_per_second\":18000,\"p50_ms\":1,\"p99_ms\":25}"),
                json("{\"label\":\"durable-redis\",\"store\":\"redis\",\"delivery\":true,"
                        + "\"peak_per_second\":26000,\"half_load_per_second\":13000,\"p50_ms\":1,\"p99_ms\":4}")),
                null).render();
        assertThat(report)
                .contains("| Durable: in-memory store with delivery-v1 ≥ 85% of the peak without it | 90.0% | yes |")
                .contains("| Durable: memory p99 < 20 ms at half its peak | 25.00 ms | **no** |")
                .contains("| Durable: redis ≥ 25,000 msg/s | 26,000 msg/s | yes |");
    }

    @Test
    void durableInMemoryPairsGiveTheMedianOfTheirRatios() {
        String report = new PerformanceReport(List.of(
                json("{\"label\":\"durable-memory-plain\",\"store\":\"memory\",\"delivery\":false,"
                        + "\"peak_per_second\":100,\"half_load_per_second\":50,\"p50_ms\":1,\"p99_ms\":9}"),
                json("{\"label\":\"durable-memory\",\"store\":\"memory\",\"delivery\":true,"
                        + "\"peak_per_second\":50,\"pair_ratios\":[0.8,0.9,0.86],\"half_load_per_second\":25,"
                        + "\"p50_ms\":1,\"p99_ms\":9}")),
                null).render();
        // The pairs' own ratios, not the ratio of the two rows' median peaks (50%).
        assertThat(report).contains("| Durable: in-memory store with delivery-v1 ≥ 85% of the peak without it | "
                + "86.0% (median of 3 pairs: 80.0%, 90.0%, 86.0%) | yes |");
    }

    @Test
    void durableInMemoryRoundsGiveTheMedianRatio() {
        String report = new PerformanceReport(List.of(
                json("{\"label\":\"durable-memory-plain\",\"store\":\"memory\",\"delivery\":false,"
                        + "\"peak_per_second\":100,\"half_load_per_second\":50,\"p50_ms\":1,\"p99_ms\":9}"),
                json("{\"label\":\"durable-memory\",\"store\":\"memory\",\"delivery\":true,"
                        + "\"peak_per_second\":70,\"half_load_per_second\":35,\"p50_ms\":1,\"p99_ms\":30}"),
                json("{\"label\":\"durable-memory-plain\",\"store\":\"memory\",\"delivery\":false,"
                        + "\"peak_per_second\":100,\"half_load_per_second\":50,\"p50_ms\":1,\"p99_ms\":9}"),
                json("{\"label\":\"durable-memory\",\"store\":\"memory\",\"delivery\":true,"
                        + "\"peak_per_second\":90,\"half_load_per_second\":45,\"p50_ms\":1,\"p99_ms\":10}"),
                json("{\"label\":\"durable-memory-plain\",\"store\":\"memory\",\"delivery\":false,"
                        + "\"peak_per_second\":100,\"half_load_per_second\":50,\"p50_ms\":1,\"p99_ms\":9}"),
                json("{\"label\":\"durable-memory\",\"store\":\"memory\",\"delivery\":true,"
                        + "\"peak_per_second\":88,\"half_load_per_second\":44,\"p50_ms\":1,\"p99_ms\":12}")),
                null).render();
        assertThat(report)
                .contains("| Durable: in-memory store with delivery-v1 ≥ 85% of the peak without it | 88.0% (median "
                        + "of 3 rounds: 70.0%, 90.0%, 88.0%) | yes |")
                .contains("| Durable: memory p99 < 20 ms at half its peak | 12.00 ms (median of 3 rounds) | yes |");
    }

    @Test
    void reconnectStormTargetsAreTheLastCatchUpTheCpuRatioAndLoss() {
        String report = new PerformanceReport(List.of(json("{\"label\":\"reconnect-storm-sqlite\",\"sessions\":10000,"
                + "\"events\":10020,\"unanswered_at_kill\":64,\"last_resumed_s\":10.2,\"last_caught_up_s\":10.4,"
                + "\"cpu_us_per_resume\":1300,\"cpu_us_per_init\":1200,\"refused\":4475,"
                + "\"sessions_missing_a_message\":0,\"never_caught_up\":0}")), null).render();
        assertThat(report).contains("## Reconnect storm")
                .contains("| reconnect-storm-sqlite | 10,020 | 64 | 10.2 s | 10.4 s | 1300 us | 1200 us | 4,475 | 0 |")
                .contains("| Reconnect storm (reconnect-storm-sqlite): all resumed within 10 s of the restart | 10.4 s "
                        + "| **no** |")
                .contains("| Reconnect storm (reconnect-storm-sqlite): CPU per resume ≤ 1.3x per init | 1.08x | yes |")
                .contains("| Reconnect storm (reconnect-storm-sqlite): zero loss | 0 sessions missing a message, 0 "
                        + "never caught up | yes |");
    }

    @Test
    void clusterTargetsAreRatiosAndTheFailoverOutcome() {
        String report = new PerformanceReport(List.of(json("{\"label\":\"cluster\",\"sessions\":100,\"window\":4,"
                + "\"rounds\":2,\"single_push_per_second\":4000,\"cross_push_per_second\":1900,\"cross_to_single_ratio\":0.48,"
                + "\"rounds_single_cross\":[[4000,1900],[4100,1950]],\"rate\":2000,"
                + "\"single_p50_ms\":0.4,\"single_p99_ms\":3,\"cross_p50_ms\":0.6,\"cross_p99_ms\":4.5,"
                + "\"cross_max_ms\":9,\"rounds_p99_single_cross_ms\":[[3,4.5],[2.5,5]],\"failover_balancer\":\"nginx\",\"failover_sessions\":1000,"
                + "\"failover_resumed\":1000,\"failover_p50_s\":2.1,\"failover_last_s\":3.2,\"failover_lost\":0}")),
                null).render();
        assertThat(report).contains("## Cluster: pushes across nodes, failover")
                .contains("| Pushes/s | 4,000 | 1,900 | 48% |")
                .contains("| Rounds (single / cross-node) | 4,000 / 1,900; 4,100 / 1,950 | | |")
                .contains("| p99 rounds, ms (single / cross-node) | 3.00 / 4.50; 2.50 / 5.00 | | |")
                .contains("| Cluster: cross-node push throughput ≥ 50% of single node | 48% | **no** |")
                .contains("| Cluster: cross-node push p99 < 10 ms at 2,000/s | 4.50 ms | yes |")
                .contains("| Cluster: 1,000 sessions of a killed node resumed within 5 s, none lost a message "
                        + "| 1,000 resumed, last after 3.20 s, 0 lost | yes |");
    }

    @Test
    void jakartaRoundsAreComparedToNettyRoundByRound() {
        String report = new PerformanceReport(List.of(
                json("{\"label\":\"jakarta-events:ltp\",\"messages_per_second\":80000,"
                        + "\"server_cpu_ns_per_message\":10000,\"p50_ms\":1,\"p99_ms\":3,\"p999_ms\":5}"),
                json("{\"label\":\"jakarta-events:jakarta\",\"messages_per_second\":60000,"
                        + "\"server_cpu_ns_per_message\":15000,\"p50_ms\":1,\"p99_ms\":4,\"p999_ms\":6}")),
                null).render();
        assertThat(report).contains("## Inside a servlet container: Jakarta transport vs Netty")
                .contains("server CPU per event is **1.50x** that on Netty (rounds: 1.50x) and throughput **75.0%**");
    }

    @Test
    void aMissedTargetIsMarked() {
        String report = new PerformanceReport(List.of(echo("baseline", 100_000, 9_000), echo("ltp", 80_000, 12_000),
                json("{\"label\":\"client-throughput\",\"messages\":1000,\"ltp_client_per_second\":40000,"
                        + "\"raw_client_per_second\":80000}")), null).render();
        assertThat(report).contains("| Echo: server CPU per message ≤ 1.15x baseline | 1.33x | **no** |");
        assertThat(report).contains("| Client: one LtpClient ≥ 50,000 sends/s | 40,000/s | **no** |");
    }

    @Test
    void throughputJustUnderTheTargetDoesNotReadAsMet() {
        String report = new PerformanceReport(List.of(echo("baseline", 100_000, 9_000), echo("ltp", 94_970, 9_500)),
                null).render();
        assertThat(report).contains("| Echo: throughput ≥ 95% of baseline | 94.9% | **no** |")
                .contains("throughput **94.9%** of the baseline");
    }

    private static JsonObject latency(String label, double p99, long late) {
        return json("{\"label\":\"" + label + "\",\"messages_per_second\":40000,\"server_cpu_ns_per_message\":9000,"
                + "\"p50_ms\":1,\"p99_ms\":" + p99 + ",\"p999_ms\":9,\"max_ms\":10,\"late_replies\":" + late
                + ",\"unanswered\":0}");
    }

    private static JsonObject soak(long late) {
        return json("{\"label\":\"soak:ltp\",\"seconds\":60,\"replies\":1000,\"max_ms\":5,\"late_replies\":" + late
                + ",\"unanswered\":0,\"errors\":0,\"drops\":0}");
    }

    @Test
    void aLatencyTargetTheBaselineMissedTooIsNotJudged() {
        String overloaded = new PerformanceReport(List.of(latency("latency-40000:baseline", 3000, 500),
                latency("latency-40000:ltp", 2400, 400), soak(0)), null).render();
        assertThat(overloaded).contains("| Latency: p99 < 15 ms at 40,000 msg/s | 2400.00 ms (baseline 3000.00 ms) "
                + "| not measurable here: the baseline missed it too |");
        assertThat(overloaded).contains("| No stalls: zero replies later than 1 s and zero unanswered, every scenario "
                + "| 0 late, 0 unanswered (not counted: latency-40000, where the baseline was late too) | yes |");

        String ltpAlone = new PerformanceReport(List.of(latency("latency-40000:baseline", 2, 0),
                latency("latency-40000:ltp", 2400, 400), soak(3)), null).render();
        assertThat(ltpAlone).contains("| Latency: p99 < 15 ms at 40,000 msg/s | 2400.00 ms | **no** |");
        assertThat(ltpAlone).contains("| 403 late, 0 unanswered | **no** |");
    }

    @Test
    void latencyRowsSayHowLongTheWarmUpTookAndWhetherItSettled() {
        JsonObject settled = latency("latency-5000:baseline", 1, 0);
        settled.addProperty("warmup_seconds", 11.2);
        settled.addProperty("settled", true);
        settled.addProperty("host_steal_percent", 3.25);
        JsonObject unsettled = latency("latency-5000:ltp", 4, 0);
        unsettled.addProperty("warmup_seconds", 40.4);
        unsettled.addProperty("settled", false);
        String report = new PerformanceReport(List.of(settled, unsettled), null).render();
        assertThat(report).contains("| 0 | 0 | 11 s | 3.3% |", "| 0 | 0 | 40 s, not settled | – |")
                .contains("| Latency: p99 < 5 ms at 5,000 msg/s | 4.00 ms (not settled) | yes |");
    }

    @Test
    void latencyTargetsAreJudgedOnTheMedianOfTheRounds() {
        String report = latencyRounds(new double[] {30, 6, 5}, new double[] {3, 70, 4});
        assertThat(report).contains("| Latency: p99 < 15 ms at 40,000 msg/s | 4.00 ms (median of 3 rounds: 3.00, "
                + "70.00, 4.00) | yes |");
        assertThat(report).contains("| 40,000/s | 2 | baseline |", "| 40,000/s | 2 | ltp-server |",
                "| 40,000/s | 3 | ltp-server |");

        String missed = latencyRounds(new double[] {5, 30, 5}, new double[] {16, 3, 17});
        assertThat(missed).contains("| Latency: p99 < 15 ms at 40,000 msg/s | 16.00 ms (median of 3 rounds: 16.00, "
                + "3.00, 17.00) | **no** |");
    }

    /** A report of alternating 40,000 msg/s rounds with these p99 values. */
    private static String latencyRounds(double[] baselineP99, double[] ltpP99) {
        List<JsonObject> runs = new ArrayList<>();
        for (int i = 0; i < baselineP99.length; i++) {
            runs.add(latency("latency-40000:baseline", baselineP99[i], 0));
            runs.add(latency("latency-40000:ltp", ltpP99[i], 0));
        }
        return new PerformanceReport(runs, null).render();
    }

    @Test
    void scaleChecksSessionsDropsAndMemory() {
        String report = new PerformanceReport(List.of(json("{\"label\":\"scale:ltp\",\"sessions\":19000,"
                + "\"seconds\":120,\"handshakes_per_second\":4000,\"replies\":150000,\"p99_ms\":1,\"max_ms\":5,"
                + "\"late_replies\":0,\"unanswered\":0,\"drops\":0,\"rss_bytes_per_session\":7000,"
                + "\"live_heap_bytes_per_session\":3800,\"server_rss_before\":100000000,"
                + "\"metrics_heap_bytes_per_session\":3850,\"metrics_connections\":19000}"),
                json("{\"label\":\"scale:baseline\",\"sessions\":19000,\"seconds\":120,\"handshakes_per_second\":4000,"
                        + "\"replies\":150000,\"p99_ms\":1,\"max_ms\":5,\"late_replies\":0,\"unanswered\":0,\"drops\":0,"
                        + "\"rss_bytes_per_session\":2000,\"live_heap_bytes_per_session\":1900,"
                        + "\"metrics_heap_bytes_per_session\":-1}")), null).render();
        assertThat(report).contains("| Scale: 19,000 idle sessions, zero drops, RSS growth ≤ 8 KiB/session "
                + "| 6.8 KiB/session, 0 drops | yes |");
        assertThat(report).contains("50,000 sessions");
        assertThat(report).contains("| 3,800 B | 3,850 B (19,000 connections) |").contains("| 1,900 B | no /metrics |");
    }

    private static JsonObject events(String server, double perSecond, double cpuNanos) {
        return json("{\"label\":\"events:" + server + "\",\"messages_per_second\":" + perSecond
                + ",\"server_cpu_ns_per_message\":" + cpuNanos
                + ",\"p50_ms\":1,\"p99_ms\":3,\"p999_ms\":9,\"late_replies\":0,\"unanswered\":0}");
    }

    @Test
    void eventsTargetsJudgeTheNonBlockingHandlerAndReportTheExecutor() {
        String report = new PerformanceReport(List.of(events("baseline", 100_000, 8000),
                events("ltp", 92_000, 9600), events("ltp-executor", 70_000, 14_400)), null).render();
        assertThat(report).contains("## Events: the application path")
                .contains("server CPU per event **1.20x** the baseline (rounds: 1.20x), throughput **92.0%**")
                .contains("On the application executor: **1.80x** the baseline's CPU (rounds: 1.80x), "
                        + "throughput **70.0%**")
                .contains("| Events: server CPU per event ≤ 1.25x baseline | 1.20x | yes |")
                .contains("| Events: throughput ≥ 90% of baseline | 92.0% | yes |");
        String slow = new PerformanceReport(List.of(events("baseline", 100_000, 8000),
                events("ltp", 50_000, 20_000)), null).render();
        assertThat(slow).contains("| Events: server CPU per event ≤ 1.25x baseline | 2.50x | **no** |")
                .contains("| Events: throughput ≥ 90% of baseline | 50.0% | **no** |")
                .doesNotContain("On the application executor");
    }

    private static JsonObject memory(String kind, long sessions, double rssBeforeMiB, double rssDuringMiB) {
        double before = rssBeforeMiB * 1024 * 1024;
        double during = rssDuringMiB * 1024 * 1024;
        return json("{\"label\":\"memory-" + sessions + ":" + kind + "\",\"sessions\":" + sessions
                + ",\"server_rss_before\":" + before + ",\"server_rss_during\":" + during
                + ",\"rss_bytes_per_session\":" + (during - before) / sessions + ",\"drops\":0}");
    }

    @Test
    void memoryTargetsAreTheColdFigureAtTenThousandAndTheSlope() {
        // Cold at 10,000: 70 MiB growth / 10,000 = 7.2 KiB; slope: (150 - 110) MiB / 10,000 = 4.1 KiB.
        String met = new PerformanceReport(List.of(memory("ltp", 5000, 70, 110), memory("ltp", 10_000, 60, 130),
                memory("ltp", 15_000, 70, 150)), null).render();
        assertThat(met).contains("## Memory as an operator sees it")
                .contains("| Memory: RSS per idle session, cold start to 10,000 (bin/ltp-server defaults) ≤ 8 KiB "
                        + "| 7.2 KiB | yes |")
                .contains("| Memory: marginal RSS per idle session, 5,000 to 15,000 ≤ 5 KiB | 4.1 KiB | yes |");
        // 100 MiB over 10,000 = 10.2 KiB cold; (200 - 110) MiB / 10,000 = 9.2 KiB slope.
        String missed = new PerformanceReport(List.of(memory("ltp", 5000, 70, 110), memory("ltp", 10_000, 60, 160),
                memory("ltp", 15_000, 70, 200), memory("ltp-g1", 10_000, 60, 200)), null).render();
        assertThat(missed).contains("| 10.2 KiB | **no** |").contains("| 9.2 KiB | **no** |")
                .contains("| G1, -Xmn64m | 10,000 |");
    }

    private static JsonObject handshake(String server, double cpuNanos) {
        return json("{\"label\":\"handshake:" + server + "\",\"handshakes_per_second\":10000,"
                + "\"server_cpu_ns_per_message\":" + cpuNanos + ",\"p50_ms\":2,\"p99_ms\":6,\"errors\":0}");
    }

    @Test
    void handshakeTargetUsesTheMedianOfAlternatingRounds() {
        String report = new PerformanceReport(List.of(handshake("baseline", 70_000), handshake("ltp", 91_000),
                handshake("baseline", 70_000), handshake("ltp", 80_500), handshake("baseline", 72_000),
                handshake("ltp", 82_800)), null).render();
        // Ratios 1.30, 1.15, 1.15 -> median 1.15.
        assertThat(report).contains("| Handshakes: server CPU per handshake ≤ 1.2x baseline | 1.15x at 10,000/s | yes |")
                .contains("(rounds: 1.30x, 1.15x, 1.15x)").contains("| 2 | ltp-server | 10,000 | 80.5 µs |");
    }

    @Test
    void eachRoundShowsTheHostStealOfItsWindow() {
        JsonObject stolen = echo("ltp", 96_000, 10_000);
        stolen.addProperty("host_steal_percent", 2.54);
        String report = new PerformanceReport(List.of(echo("baseline", 100_000, 9_000), stolen), null).render();
        assertThat(report).contains("| 1 | ltp-server | 96,000 | 10,000 ns | 1.00 ms | 3.00 ms | 9.00 ms | 0 | 0 | 2.5% |")
                .contains("| 1 | baseline | 100,000 | 9,000 ns | 1.00 ms | 3.00 ms | 9.00 ms | 0 | 0 | – |");
    }

    @Test
    void clientThroughputSaysHowManyRoundsItsMediansCover() {
        String report = new PerformanceReport(List.of(json("{\"label\":\"client-throughput\",\"messages\":1000,"
                + "\"ltp_client_per_second\":60000,\"raw_client_per_second\":100000,\"rounds\":3}")), null).render();
        assertThat(report).contains("Medians of 3 alternating rounds.")
                .contains("| Client: one LtpClient ≥ 50,000 sends/s | 60,000/s | yes |");
        String withDelivery = new PerformanceReport(List.of(json("{\"label\":\"client-throughput\",\"messages\":1000,"
                + "\"ltp_client_per_second\":45000,\"raw_client_per_second\":100000,\"rounds\":3,\"delivery\":true}")),
                null).render();
        assertThat(withDelivery).contains("with `delivery-v1`")
                .contains("| Client: one LtpClient with delivery-v1 ≥ 50,000 sends/s, acks flowing | 45,000/s | **no** |");
    }

    @Test
    void theHeaderSaysHowLongTheRunTook() {
        String withDuration = new PerformanceReport(List.of(echo("baseline", 100_000, 9_000),
                echo("ltp", 96_000, 10_000), json("{\"label\":\"run\",\"seconds\":2950}")), null).render();
        assertThat(withDuration).contains("(this run took 49 minutes; `--quick` for a smaller run)");
        String without = new PerformanceReport(List.of(echo("baseline", 100_000, 9_000), echo("ltp", 96_000, 10_000)),
                null).render();
        assertThat(without).contains("(`--quick` for a smaller run)").doesNotContain("run took");
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddlePair() {
        assertThat(PerformanceReport.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
        assertThat(PerformanceReport.median(List.of(5.0))).isEqualTo(5.0);
    }
}
