package io.liminal.ltp.bench.report;

import static io.liminal.ltp.bench.report.PerformanceReport.median;
import static io.liminal.ltp.bench.report.PerformanceReport.num;
import static io.liminal.ltp.bench.report.PerformanceReport.percentTruncated;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The sse-v1 section of {@link PerformanceReport}: echo over the fallback binding against WebSocket echo on the same
 * server, rounds alternating ({@code SseEchoLoad} and the WebSocket load generator), with the binding's targets.
 */
final class TransportSections {
    private final PerformanceReport report;

    TransportSections(PerformanceReport report) {
        this.report = report;
    }

    void sse() {
        List<JsonObject> webSocket = report.runs("sse-compare:websocket");
        List<JsonObject> sse = report.runs("sse-compare:sse");
        if (webSocket.isEmpty() || sse.isEmpty()) {
            return;
        }
        report.line("## Fallback transport: sse-v1 against WebSocket");
        report.line();
        report.line("The same `BenchServer`, 100 sessions in closed loop sending `ping` with a 256-byte payload and "
                + "waiting for the `pong`, rounds alternating: over WebSocket (the load generator) and over the "
                + "[sse-v1 binding](extensions/sse-v1.md) (`SseEchoLoad`, Netty on one thread like the load "
                + "generator: an event stream and a keep-alive connection for posts per session, one post per ping "
                + "since one is in flight). Then `SseEchoLoad` in open loop at 2,000 pings/s over the 100 sessions "
                + "(pings that fall due while a post is in flight go in the next post).");
        report.line();
        report.line("| Round | Transport | msg/s | Server CPU/msg | p99 (closed loop) | At 2,000/s: p50 | p99 |");
        report.line("|---|---|---|---|---|---|---|");
        List<Double> throughputRatios = new ArrayList<>();
        List<Double> cpuRatios = new ArrayList<>();
        List<Double> p99s = new ArrayList<>();
        for (int i = 0; i < Math.min(webSocket.size(), sse.size()); i++) {
            JsonObject ws = webSocket.get(i);
            JsonObject s = sse.get(i);
            double wsCpu = num(ws, "server_cpu_ns_per_message") / 1e3;
            report.line(String.format(Locale.ROOT, "| %d | WebSocket | %,.0f | %.1f us | %.2f ms | | |", i + 1,
                    num(ws, "messages_per_second"), wsCpu, num(ws, "p99_ms")));
            report.line(String.format(Locale.ROOT, "| %d | sse-v1 | %,.0f | %.1f us | %.2f ms | %.2f ms | %.2f ms |",
                    i + 1, num(s, "peak_per_second"), num(s, "server_cpu_us_per_message"), num(s, "closed_p99_ms"),
                    num(s, "open_p50_ms"), num(s, "open_p99_ms")));
            throughputRatios.add(num(s, "peak_per_second") / num(ws, "messages_per_second"));
            cpuRatios.add(num(s, "server_cpu_us_per_message") / wsCpu);
            p99s.add(num(s, "open_p99_ms"));
        }
        double throughput = median(throughputRatios);
        double p99 = median(p99s);
        report.line();
        report.line(String.format(Locale.ROOT, "Median over %d rounds: sse-v1 reaches **%s** of WebSocket's "
                + "throughput at **%.2fx** its server CPU per message; at 2,000 msg/s its p99 is **%.2f ms**.",
                throughputRatios.size(), percentTruncated(throughput), median(cpuRatios), p99));
        report.line();
        report.target("sse-v1: throughput ≥ 50% of WebSocket's", percentTruncated(throughput), throughput >= 0.5);
        report.target("sse-v1: p99 < 20 ms at 2,000 msg/s", String.format(Locale.ROOT, "%.2f ms", p99), p99 < 20);
    }
}
